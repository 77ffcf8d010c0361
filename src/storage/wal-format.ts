// WAL record framing and the recovery scan, shared by the disk and the simulated storage so
// both refuse and repair exactly the same byte patterns (etcd's wal/decoder.go and Repair).
//
// A record on disk: [u32 length BE][u32 CRC-32 BE][payload of `length` bytes]. The CRC covers
// the four length bytes and then the payload: an all-zero header (a file the filesystem grew
// with zeros in a crash) then fails the check, where a CRC of the payload alone would accept
// it as a valid empty record (CRC-32 of nothing is 0).
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_BYTES = 8;
/** No writer frames more than this, so a larger length field is corruption, never a torn write. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** CRC-32 (IEEE, as zlib and gzip) of the length field followed by the payload. */
export function recordChecksum(lengthField: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(lengthField));
}

/**
 * The bytes of one WAL record.
 * @example encodeRecord(new TextEncoder().encode('hi')).length === RECORD_HEADER_BYTES + 2
 */
export function encodeRecord(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`record: ${payload.length} bytes, at most ${MAX_RECORD_BYTES}`);
  }
  const frame = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, recordChecksum(frame.subarray(0, 4), payload));
  frame.set(payload, RECORD_HEADER_BYTES);
  return frame;
}

/** The WAL is damaged somewhere a crash cannot explain; the replica must not start on it. */
export class WalCorruptError extends Error {
  constructor(
    readonly filePath: string,
    readonly offsetBytes: number,
    readonly reason: string,
  ) {
    super(`WAL corrupt: ${filePath} at byte offset ${offsetBytes}: ${reason}; refusing to start`);
    this.name = 'WalCorruptError';
  }
}

export interface ScannedSegment {
  readonly records: Uint8Array[];
  /** Bytes of whole, valid records from the start; a torn tail begins here. */
  readonly validBytes: number;
  readonly tornTail: boolean;
}

/**
 * Parses one segment. Only the last segment may end in a torn record: earlier segments were
 * fsynced whole before the next one began (`rotate`), so damage there is not a crash. In the
 * last segment a bad record is a torn tail when it reaches the end of the file (a short
 * header, a payload shorter than its length, or a CRC mismatch on the final record) or when
 * every byte from it to the end is zero (the filesystem extended the file but never wrote
 * it). Anything else — a bad record with more data after it — is refused.
 */
export function scanSegment(bytes: Uint8Array, filePath: string, isLastSegment: boolean): ScannedSegment {
  const records: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offsetBytes = 0;
  while (offsetBytes < bytes.length) {
    const problem = checkRecordAt(bytes, view, offsetBytes);
    if (problem === undefined) {
      const length = view.getUint32(offsetBytes);
      const start = offsetBytes + RECORD_HEADER_BYTES;
      // A copy (Buffer#slice would share memory): the caller owns what recover returns.
      records.push(new Uint8Array(bytes.subarray(start, start + length)));
      offsetBytes = start + length;
      continue;
    }
    if (isLastSegment && problem.reachesEnd) return { records, validBytes: offsetBytes, tornTail: true };
    if (isLastSegment && isAllZero(bytes, offsetBytes)) return { records, validBytes: offsetBytes, tornTail: true };
    throw new WalCorruptError(filePath, offsetBytes, problem.reason);
  }
  return { records, validBytes: offsetBytes, tornTail: false };
}

interface RecordProblem {
  readonly reason: string;
  /** The bad record, as far as its header tells, extends to or past the end of the file. */
  readonly reachesEnd: boolean;
}

function checkRecordAt(bytes: Uint8Array, view: DataView, offsetBytes: number): RecordProblem | undefined {
  const remainingBytes = bytes.length - offsetBytes;
  if (remainingBytes < RECORD_HEADER_BYTES) {
    return { reason: `short header (${remainingBytes} of ${RECORD_HEADER_BYTES} bytes)`, reachesEnd: true };
  }
  const length = view.getUint32(offsetBytes);
  if (length > MAX_RECORD_BYTES) {
    // Never written by encodeRecord, so not a torn write of ours: the length field rotted.
    return { reason: `length field ${length} exceeds ${MAX_RECORD_BYTES}`, reachesEnd: false };
  }
  const endBytes = offsetBytes + RECORD_HEADER_BYTES + length;
  if (endBytes > bytes.length) {
    return { reason: `short payload (${remainingBytes - RECORD_HEADER_BYTES} of ${length} bytes)`, reachesEnd: true };
  }
  const expected = view.getUint32(offsetBytes + 4);
  const payload = bytes.subarray(offsetBytes + RECORD_HEADER_BYTES, endBytes);
  const actual = recordChecksum(bytes.subarray(offsetBytes, offsetBytes + 4), payload);
  if (actual !== expected) {
    return { reason: `CRC mismatch (stored ${hex(expected)}, computed ${hex(actual)})`, reachesEnd: endBytes === bytes.length };
  }
  return undefined;
}

function isAllZero(bytes: Uint8Array, fromBytes: number): boolean {
  for (let i = fromBytes; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
