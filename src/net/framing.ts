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

/**
 * Reads shorter than this are copied into a shared piece of PIECE_BYTES instead of being
 * held one by one. Every socket read is a buffer of its own with about a kilobyte of
 * overhead (Node 20: 20,000 one-byte reads, 21 MB), so a peer sending a frame a byte per
 * TCP segment made the capped bytes cost a thousand times their size. Now a held read
 * costs at most a quarter of its size in overhead, and each byte is copied at most once more.
 */
const SMALL_READ_BYTES = 4096;
const PIECE_BYTES = 4 * SMALL_READ_BYTES;

/** Splits a byte stream into frames of at most `maxBytes` each (the cap may change, e.g. after a handshake). */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** The piece small reads are copied into; its filled part is the last of `chunks`. */
  private piece: { readonly bytes: Buffer; used: number } | undefined;

  constructor(public maxBytes: number) {}

  /** The complete frames in the stream so far; throws FrameTooLargeError on an oversized length. */
  push(chunk: Buffer): Uint8Array[] {
    this.append(chunk);
    const frames: Uint8Array[] = [];
    for (let frame = this.next(); frame !== undefined; frame = this.next()) frames.push(frame);
    return frames;
  }

  /** Buffers a chunk of the stream; next() takes the frames out. */
  append(chunk: Buffer): void {
    this.bufferedBytes += chunk.length;
    if (chunk.length >= SMALL_READ_BYTES) {
      this.chunks.push(chunk);
      this.piece = undefined;
      return;
    }
    let piece = this.piece;
    if (piece === undefined || piece.used + chunk.length > piece.bytes.length) {
      piece = this.piece = { bytes: Buffer.allocUnsafe(PIECE_BYTES), used: 0 };
      this.chunks.push(piece.bytes.subarray(0, 0));
    }
    chunk.copy(piece.bytes, piece.used);
    piece.used += chunk.length;
    this.chunks[this.chunks.length - 1] = piece.bytes.subarray(0, piece.used);
  }

  /**
   * The next complete frame, or undefined until one has arrived. Its length is checked
   * against maxBytes as it is at this call: a link that finishes its handshake on one
   * frame raises the cap for the frames after it, even when one TCP read carried both
   * (the peer writes its proof and its first messages in one write).
   */
  next(): Uint8Array | undefined {
    if (this.bufferedBytes < LENGTH_PREFIX_BYTES) return undefined;
    const length = this.peek(LENGTH_PREFIX_BYTES).readUInt32BE(0);
    if (length > this.maxBytes) throw new FrameTooLargeError(length, this.maxBytes);
    if (this.bufferedBytes < LENGTH_PREFIX_BYTES + length) return undefined;
    const all = this.take(LENGTH_PREFIX_BYTES + length);
    // A copy: the frame outlives the socket's pooled buffers.
    return new Uint8Array(all.subarray(LENGTH_PREFIX_BYTES));
  }

  private peek(bytes: number): Buffer {
    if (this.chunks[0]!.length < bytes) {
      this.chunks = [Buffer.concat(this.chunks)];
      this.piece = undefined;
    }
    return this.chunks[0]!;
  }

  private take(bytes: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = joined.subarray(bytes);
    this.chunks = rest.length === 0 ? [] : [rest];
    // The piece's filled part is no longer the last chunk (it was taken or joined).
    this.piece = undefined;
    this.bufferedBytes -= bytes;
    return joined.subarray(0, bytes);
  }
}
