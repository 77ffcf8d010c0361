// Deterministic key derivation: a simulated run turns its one seed into every replica's
// and client's Ed25519 secret key, so "reproduce with seed=…" reproduces the keys too.
// These keys are for simulation and tests only; anyone who knows the seed knows them.
//
// Uses @noble/hashes directly (not a Crypto backend) so the derived keys are the same
// whichever backend signs with them.

import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

export type KeyRole = 'replica' | 'client';

// Bump the version if the encoding below ever changes: old seeds would silently get new keys.
const DOMAIN = 'pancydb-bft/key/v1';

/**
 * The 32-byte Ed25519 secret seed of replica or client `id` in the run with `runSeed`:
 * SHA-256 over length-prefixed fields (domain, String(runSeed), role, decimal id), so no
 * two distinct inputs share an encoding (e.g. seed "1", id 23 vs seed "12", id 3).
 * A numeric seed and its decimal string derive the same key.
 * @example
 * const secretKey = deriveSecretKey(42, 'replica', 0);
 * const keyPair = crypto.keyPair(secretKey);
 */
export function deriveSecretKey(runSeed: string | number, role: KeyRole, id: number): Uint8Array {
  if (typeof runSeed === 'number') {
    if (!Number.isFinite(runSeed)) throw new RangeError(`runSeed: expected a finite number, got ${runSeed}`);
  } else if (typeof runSeed !== 'string') {
    throw new TypeError('runSeed: expected a string or number');
  }
  if (role !== 'replica' && role !== 'client') {
    throw new RangeError(`role: expected 'replica' or 'client', got ${String(role)}`);
  }
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new RangeError(`id: expected a non-negative safe integer, got ${id}`);
  }
  return sha256(encodeFields([DOMAIN, String(runSeed), role, String(id)]));
}

/** Each field as a 4-byte big-endian byte length followed by its UTF-8 bytes. */
function encodeFields(fields: readonly string[]): Uint8Array {
  const encoded = fields.map((field) => utf8ToBytes(field));
  const totalBytes = encoded.reduce((sum, bytes) => sum + 4 + bytes.length, 0);
  const out = new Uint8Array(totalBytes);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const bytes of encoded) {
    view.setUint32(offset, bytes.length);
    out.set(bytes, offset + 4);
    offset += 4 + bytes.length;
  }
  return out;
}
