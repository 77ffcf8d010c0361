// WAL framing: the CRC against the standard vector and a naive second implementation, then the
// recovery scan's rules at every cut and every flipped byte.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  encodeRecord,
  MAX_RECORD_BYTES,
  RECORD_HEADER_BYTES,
  payloadChecksum,
  scanSegment,
  WalCorruptError,
} from '../../src/storage/wal-format.ts';

/** CRC-32 (IEEE, reflected, polynomial 0xEDB88320) one bit at a time: slow and obviously right. */
function naiveCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe('WAL record framing', () => {
  it('CRC-32 of "123456789" is the standard check value 0xCBF43926', () => {
    expect(crc32(bytesOf('123456789'))).toBe(0xcbf43926);
    expect(naiveCrc32(bytesOf('123456789'))).toBe(0xcbf43926);
  });

  it('a record is its length, the CRC-32 of the length field, the CRC-32 of the payload, the payload', () => {
    for (let length = 0; length < 300; length += 7) {
      const payload = new Uint8Array(length).map((_, i) => (i * 13 + length) & 0xff);
      const frame = encodeRecord(payload);
      const view = new DataView(frame.buffer);
      expect(view.getUint32(0)).toBe(length);
      expect(view.getUint32(4)).toBe(naiveCrc32(frame.subarray(0, 4)));
      expect(view.getUint32(8)).toBe(naiveCrc32(payload));
      expect(payloadChecksum(payload)).toBe(naiveCrc32(payload));
      expect(frame.subarray(RECORD_HEADER_BYTES)).toEqual(payload);
    }
  });

  it('an all-zero header is not a valid (empty) record', () => {
    expect(scanSegment(new Uint8Array(RECORD_HEADER_BYTES), 'f', true)).toEqual({ records: [], validBytes: 0, tornTail: true });
    expect(() => scanSegment(new Uint8Array(RECORD_HEADER_BYTES), 'f', false)).toThrow(WalCorruptError);
  });

  it('a record above MAX_RECORD_BYTES is refused at append, naming its size', () => {
    expect(() => encodeRecord(new Uint8Array(MAX_RECORD_BYTES + 1))).toThrow(/record: 67108865 bytes/);
  });
});

describe('WAL recovery scan', () => {
  const records = ['alpha', '', 'gamma-gamma'].map(bytesOf);
  const frames = records.map(encodeRecord);
  const segment = concat(frames);
  const lastStart = segment.length - frames[2]!.length;

  it('a whole segment yields every record and no torn tail', () => {
    expect(scanSegment(segment, 'f', true)).toEqual({ records, validBytes: segment.length, tornTail: false });
  });

  it('a cut at every byte inside the last record is a torn tail in the last segment, refused in an earlier one', () => {
    for (let cut = lastStart + 1; cut < segment.length; cut++) {
      const torn = segment.subarray(0, cut);
      expect(scanSegment(torn, 'f', true), `cut at ${cut}`).toEqual({ records: records.slice(0, 2), validBytes: lastStart, tornTail: true });
      expect(() => scanSegment(torn, 'f', false), `cut at ${cut}`).toThrow(`f at byte offset ${lastStart}`);
    }
  });

  it('a flipped payload byte in the last record is a torn tail; in an earlier record, refused at its offset', () => {
    const lastFlipped = segment.slice();
    lastFlipped[segment.length - 1]! ^= 1;
    expect(scanSegment(lastFlipped, 'f', true).tornTail).toBe(true);
    const firstFlipped = segment.slice();
    firstFlipped[RECORD_HEADER_BYTES]! ^= 1;
    expect(() => scanSegment(firstFlipped, 'seg', true)).toThrow(/seg at byte offset 0: payload CRC mismatch/);
  });

  it('every single flipped byte outside the last record is refused (no silent loss of synced records)', () => {
    for (let offset = 0; offset < lastStart; offset++) {
      const damaged = segment.slice();
      damaged[offset]! ^= 0x5a;
      expect(() => scanSegment(damaged, 'f', true), `flip at ${offset}`).toThrow(WalCorruptError);
    }
  });

  it('a rotted length that points past the end of the file is refused, not taken for a torn tail', () => {
    const damaged = segment.slice();
    damaged[1]! ^= 0x5a; // 'alpha' now claims 5.9 MB
    expect(() => scanSegment(damaged, 'f', true)).toThrow(/f at byte offset 0: header CRC mismatch/);
  });

  it('zeros after the last whole record are a torn tail; non-zero garbage after a bad record is not', () => {
    const zeroTail = concat([segment, new Uint8Array(100)]);
    expect(scanSegment(zeroTail, 'f', true)).toEqual({ records, validBytes: segment.length, tornTail: true });
    const garbage = concat([segment, new Uint8Array(100).fill(0), bytesOf('x'), new Uint8Array(20)]);
    expect(() => scanSegment(garbage, 'f', true)).toThrow(`f at byte offset ${segment.length}`);
  });

  it('a last record written only as far as its header, in a file grown with zeros past it, is a torn tail', () => {
    // The grown-file crash of the test above, with the first unsynced record's first page
    // written: its header is whole, its payload ends in zeros, and zeros follow it.
    const next = encodeRecord(new Uint8Array(200).fill(7));
    const written = concat([segment, next.subarray(0, RECORD_HEADER_BYTES + 50), new Uint8Array(next.length - RECORD_HEADER_BYTES - 50 + 4096)]);
    expect(scanSegment(written, 'f', true)).toEqual({ records, validBytes: segment.length, tornTail: true });
    // Not in an earlier segment, and not with data after the zeros.
    expect(() => scanSegment(written, 'f', false)).toThrow(`f at byte offset ${segment.length}: payload CRC mismatch`);
    expect(() => scanSegment(concat([written, bytesOf('x')]), 'f', true)).toThrow(`f at byte offset ${segment.length}: payload CRC mismatch`);
  });

  it('a last header written part-way, in a file grown with zeros past it, is a torn tail', () => {
    const next = encodeRecord(bytesOf('delta'));
    const written = concat([segment, next.subarray(0, 6), new Uint8Array(4096)]);
    expect(scanSegment(written, 'f', true)).toEqual({ records, validBytes: segment.length, tornTail: true });
    expect(() => scanSegment(written, 'f', false)).toThrow(`f at byte offset ${segment.length}: header CRC mismatch`);
    expect(() => scanSegment(concat([written, bytesOf('x')]), 'f', true)).toThrow(`f at byte offset ${segment.length}: header CRC mismatch`);
    // A whole header that fails its CRC is damage, zeros after it or not.
    expect(next[RECORD_HEADER_BYTES - 1]).not.toBe(0);
    const rotted = next.slice(0, RECORD_HEADER_BYTES);
    rotted[0]! ^= 0x01;
    expect(() => scanSegment(concat([segment, rotted, new Uint8Array(4096)]), 'f', true)).toThrow(`f at byte offset ${segment.length}: header CRC mismatch`);
  });
});
