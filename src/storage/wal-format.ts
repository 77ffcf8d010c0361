// WAL record framing and the recovery scan, shared by the disk and the simulated storage so
// both refuse and repair exactly the same byte patterns (etcd's wal/decoder.go and Repair).
//
// A record: [u32 length][u32 CRC-32 of the length field][u32 CRC-32 of the payload][payload],
// big-endian. The length has its own CRC because a length cannot be checked against a payload
// it points past: with one CRC over everything, a rotted length in an early record that
// points beyond the end of the file reads exactly like a torn last record, and recovery would
// silently cut every synced record after it. With it, a header is either whole and right (a
// torn write of ours leaves a prefix) or damage. An all-zero header fails it too (CRC-32 of
// four zero bytes is 0x2144DF1C), so zeros are never taken for an empty record.
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_BYTES = 12;
/** No writer frames more than this, so a larger length is corruption, never a torn write. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

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
  view.setUint32(4, crc32(frame.subarray(0, 4)));
  view.setUint32(8, payloadChecksum(payload));
  frame.set(payload, RECORD_HEADER_BYTES);
  return frame;
}

/** CRC-32 (IEEE, as zlib and gzip) of a payload. */
export function payloadChecksum(payload: Uint8Array): number {
  return crc32(payload);
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
 * last segment a bad record is a torn tail when
 *   - its header is shorter than RECORD_HEADER_BYTES, or
 *   - its header is whole and right but the payload is short, or fails its CRC as the very
 *     last bytes of the file or with only zeros after it (a write cut part-way), or
 *   - every byte from it, or from part-way into its header or payload, to the end is zero
 *     (the filesystem grew the file and wrote only the start of it).
 * Anything else — a whole header that fails its CRC, a bad record with data after it — is refused.
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
  /** The bad record, as far as its header tells, extends to or past the end of the file, or only zeros follow it. */
  readonly reachesEnd: boolean;
}

function checkRecordAt(bytes: Uint8Array, view: DataView, offsetBytes: number): RecordProblem | undefined {
  const remainingBytes = bytes.length - offsetBytes;
  if (remainingBytes < RECORD_HEADER_BYTES) {
    return { reason: `short header (${remainingBytes} of ${RECORD_HEADER_BYTES} bytes)`, reachesEnd: true };
  }
  const length = view.getUint32(offsetBytes);
  if (view.getUint32(offsetBytes + 4) !== crc32(bytes.subarray(offsetBytes, offsetBytes + 4))) {
    // Our own torn write leaves a whole, right header, a short one, or, in a file grown
    // with zeros, one that turns to zeros part-way with nothing but zeros after: else damage.
    return { reason: `header CRC mismatch (length field ${length})`, reachesEnd: isAllZero(bytes, offsetBytes + RECORD_HEADER_BYTES - 1) };
  }
  if (length > MAX_RECORD_BYTES) {
    return { reason: `length ${length} exceeds ${MAX_RECORD_BYTES}`, reachesEnd: false };
  }
  const endBytes = offsetBytes + RECORD_HEADER_BYTES + length;
  if (endBytes > bytes.length) {
    return { reason: `short payload (${remainingBytes - RECORD_HEADER_BYTES} of ${length} bytes)`, reachesEnd: true };
  }
  const expected = view.getUint32(offsetBytes + 8);
  const actual = payloadChecksum(bytes.subarray(offsetBytes + RECORD_HEADER_BYTES, endBytes));
  if (actual !== expected) {
    // Zeros after it are the file grown but never written, as for a tail of zeros alone:
    // the write was cut inside this record's payload all the same.
    return { reason: `payload CRC mismatch (stored ${hex(expected)}, computed ${hex(actual)})`, reachesEnd: isAllZero(bytes, endBytes) };
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
