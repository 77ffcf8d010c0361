// The verify memo as it was before it was keyed by a hash (commit e79145c): kept only so
// bench/memo-bench.ts and the flood test can measure the old design against the new one.

// Memoized verification. In PBFT every replica checks the same signed message more than
// once (e.g. a prepare arrives directly and again inside a view-change proof, Castro &
// Liskov OSDI'99 §4.4), and verify dominates the cost of a step. Ed25519 verify is a pure
// function of (publicKey, message, signature), so its answer can be reused, as long as a
// hit really is the same triple: an entry answers only when all three inputs are equal
// byte for byte; anything else goes to the inner backend. A cache can therefore make
// verification faster, never more permissive.

import type { Crypto, KeyPair } from '../src/crypto/crypto.ts';

export interface VerifyMemoStats {
  hits: number;
  misses: number;
  evictions: number;
}

export type MemoizedCrypto = Crypto & {
  readonly stats: VerifyMemoStats;
  /** Entries currently cached; never above `capacity`. */
  readonly size: () => number;
  readonly capacity: number;
};

interface Entry {
  // Copies, not the caller's buffers: a caller may reuse a buffer after verify returns,
  // and the cached answer must stay tied to the bytes that were actually verified.
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly valid: boolean;
}

/**
 * Wraps `inner` so repeated verify calls on an identical triple are answered from a
 * bounded LRU cache (memory ≈ capacity × (message bytes + ~200)). sign, sha256 and
 * keyPair pass through unchanged.
 * @example
 * const crypto = memoizeVerify(createNativeCrypto(), 10_000);
 * crypto.verify(publicKey, message, signature); // miss: inner.verify runs
 * crypto.verify(publicKey, message, signature); // hit
 * crypto.stats; // { hits: 1, misses: 1, evictions: 0 }
 */
export function memoizeVerifyLegacy(inner: Crypto, capacity = 50_000): MemoizedCrypto {
  if (typeof inner !== 'object' || inner === null || typeof inner.verify !== 'function') {
    throw new TypeError('inner: expected a Crypto backend');
  }
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`capacity: expected a positive integer, got ${capacity}`);
  }
  // Keyed by the signature: it is the most distinctive of the three inputs, so two
  // different triples rarely share a slot. Map order is insertion order; a hit is
  // re-inserted so the first key is always the least recently used.
  const entries = new Map<number, Entry>();
  const stats: VerifyMemoStats = { hits: 0, misses: 0, evictions: 0 };

  function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // Odd inputs are not worth caching; the inner backend answers false without throwing.
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array)) {
      return inner.verify(publicKey, message, signature);
    }
    if (!(signature instanceof Uint8Array) || signature.length > 64) {
      return inner.verify(publicKey, message, signature);
    }
    const cacheKey = slotOf(signature);
    const entry = entries.get(cacheKey);
    if (
      entry !== undefined &&
      bytesEqual(entry.signature, signature) &&
      bytesEqual(entry.publicKey, publicKey) &&
      bytesEqual(entry.message, message)
    ) {
      stats.hits++;
      entries.delete(cacheKey);
      entries.set(cacheKey, entry);
      return entry.valid;
    }
    stats.misses++;
    const valid = inner.verify(publicKey, message, signature);
    // A different triple with the same signature replaces the old entry (delete first so
    // it moves to the most-recent end).
    entries.delete(cacheKey);
    if (entries.size >= capacity) evictOldest();
    entries.set(cacheKey, { publicKey: publicKey.slice(), message: message.slice(), signature: signature.slice(), valid });
    return valid;
  }

  function evictOldest(): void {
    const oldest = entries.keys().next();
    if (oldest.done === true) return;
    entries.delete(oldest.value);
    stats.evictions++;
  }

  return {
    name: inner.name,
    keyPair: (secretKey: Uint8Array): KeyPair => inner.keyPair(secretKey),
    sign: (keyPair: KeyPair, message: Uint8Array): Uint8Array => inner.sign(keyPair, message),
    sha256: (data: Uint8Array): Uint8Array => inner.sha256(data),
    hmacSha256: (key: Uint8Array, data: Uint8Array): Uint8Array => inner.hmacSha256(key, data),
    sharedSecret: (keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined => inner.sharedSecret(keyPair, peerPublicKey),
    verify,
    stats,
    size: () => entries.size,
    capacity,
  };
}

/**
 * The cache slot: the signature's first six bytes as a number. Building a string key
 * from all 64 bytes cost more than the lookup saved; two signatures sharing a slot is
 * harmless, because a hit still compares all three inputs in full.
 */
function slotOf(signature: Uint8Array): number {
  let slot = 0;
  for (let index = 0; index < 6 && index < signature.length; index++) slot = slot * 256 + signature[index]!;
  return slot * 128 + signature.length;
}

function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) {
    if (left[index] !== right[index]) return false;
  }
  return true;
}
