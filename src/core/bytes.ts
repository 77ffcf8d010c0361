// A minimal canonical binary format: unsigned LEB128 integers (shortest form only),
// length-prefixed byte strings and UTF-8 text. Canonical means one value has exactly
// one encoding, so signatures and digests over encodings are well defined and a
// decoder can reject anything a correct encoder would not have produced.

/**
 * Largest length accepted for one byte string or text field (untrusted input). The real
 * caps are on whole frames (limits.ts, checked before decoding); this one only has to let
 * every correct field through, and the largest is the PRE-PREPARE nested in a
 * COMMIT-CERTIFICATE: B requests of up to 64 KiB, about 4 MiB with B=64. (It was 1 MiB,
 * which refused the commit certificate of any batch above 1 MiB.)
 */
export const MAX_FIELD_BYTES = 16 << 20;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export class Writer {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  /** Non-negative safe integer as unsigned LEB128. */
  uint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`uint: not a non-negative safe integer: ${value}`);
    this.reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  /** Bytes of a length both sides know (digests, signatures): no prefix. */
  fixed(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  bytes(bytes: Uint8Array): this {
    return this.uint(bytes.length).fixed(bytes);
  }

  text(value: string): this {
    return this.bytes(textEncoder.encode(value));
  }

  /** Current length: the offset the next field will start at. */
  get offset(): number {
    return this.length;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export class Reader {
  private position = 0;

  constructor(private readonly input: Uint8Array) {}

  get offset(): number {
    return this.position;
  }

  u8(): number {
    const value = this.input[this.position];
    if (value === undefined) throw new DecodeError('truncated');
    this.position++;
    return value;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let index = 0; ; index++) {
      const byte = this.u8();
      if (index === 7 && byte > 0x0f) throw new DecodeError('integer too large');
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        // Shortest form only: a final zero group after the first byte is padding.
        if (byte === 0 && index > 0) throw new DecodeError('non-canonical integer');
        return value;
      }
      scale *= 0x80;
    }
  }

  fixed(length: number): Uint8Array {
    if (this.position + length > this.input.length) throw new DecodeError('truncated');
    const slice = this.input.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  bytes(): Uint8Array {
    const length = this.uint();
    if (length > MAX_FIELD_BYTES) throw new DecodeError('field too long');
    return this.fixed(length);
  }

  text(): string {
    try {
      return textDecoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      throw new DecodeError('invalid UTF-8');
    }
  }

  /** Slice of the input from `start` to the current position. */
  since(start: number): Uint8Array {
    return this.input.subarray(start, this.position);
  }

  end(): void {
    if (this.position !== this.input.length) throw new DecodeError('trailing bytes');
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

const hexDigits = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += hexDigits[byte];
  return text;
}

/** A Map key for bytes (digests): one JS string character per byte. */
export function bytesKey(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
