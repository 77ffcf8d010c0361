// A checkpoint file: [u32 CRC-32 BE of payload][payload]; the payload runs to the end of the
// file. The CRC catches bit rot and a file cut short; atomicity comes from rename, not from here.
import { crc32 } from 'node:zlib';
import { CheckpointCorruptError } from './storage.ts';

const CHECKSUM_BYTES = 4;

export function encodeCheckpoint(payload: Uint8Array): Uint8Array {
  const file = new Uint8Array(CHECKSUM_BYTES + payload.length);
  new DataView(file.buffer).setUint32(0, crc32(payload));
  file.set(payload, CHECKSUM_BYTES);
  return file;
}

export function decodeCheckpoint(name: string, file: Uint8Array): Uint8Array {
  if (file.length < CHECKSUM_BYTES) throw new CheckpointCorruptError(name, `${file.length} bytes, shorter than its CRC`);
  const stored = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(0);
  const payload = new Uint8Array(file.subarray(CHECKSUM_BYTES)); // a copy, never a view of the store
  if (crc32(payload) !== stored) throw new CheckpointCorruptError(name, 'CRC mismatch');
  return payload;
}
