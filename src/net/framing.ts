// Frames on a TCP stream: a 4-byte big-endian length, then that many bytes. The reader
// refuses a length above its cap before buffering the body, so a peer cannot make us hold
// more than one capped frame; a stream cannot resynchronize after that, so the link closes.
export const LENGTH_PREFIX_BYTES = 4;

export function encodeFrame(payload: Uint8Array): Buffer {
  return encodeFrames([payload]);
}

/** Several frames back to back in one buffer, as one write hands them to the socket. */
export function encodeFrames(payloads: readonly Uint8Array[]): Buffer {
  let bytes = 0;
  for (const payload of payloads) bytes += LENGTH_PREFIX_BYTES + payload.length;
  const buffer = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (const payload of payloads) {
    buffer.writeUInt32BE(payload.length, offset);
    buffer.set(payload, offset + LENGTH_PREFIX_BYTES);
    offset += LENGTH_PREFIX_BYTES + payload.length;
  }
  return buffer;
}

export class FrameTooLargeError extends Error {
  constructor(
    readonly lengthBytes: number,
    readonly maxBytes: number,
  ) {
    super(`frame of ${lengthBytes} bytes, at most ${maxBytes}`);
  }
}

/** Splits a byte stream into frames of at most `maxBytes` each (the cap may change, e.g. after a handshake). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(public maxBytes: number) {}

  /** The complete frames in the stream so far; throws FrameTooLargeError on an oversized length. */
  push(chunk: Buffer): Uint8Array[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.bufferedBytes < LENGTH_PREFIX_BYTES) break;
      const head = this.peek(LENGTH_PREFIX_BYTES);
      const length = head.readUInt32BE(0);
      if (length > this.maxBytes) throw new FrameTooLargeError(length, this.maxBytes);
      if (this.bufferedBytes < LENGTH_PREFIX_BYTES + length) break;
      const all = this.take(LENGTH_PREFIX_BYTES + length);
      // A copy: the frame outlives the socket's pooled buffers.
      frames.push(new Uint8Array(all.subarray(LENGTH_PREFIX_BYTES)));
    }
    return frames;
  }

  private peek(bytes: number): Buffer {
    if (this.chunks[0]!.length < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(bytes: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = joined.subarray(bytes);
    this.chunks = rest.length === 0 ? [] : [rest];
    this.bufferedBytes -= bytes;
    return joined.subarray(0, bytes);
  }
}
