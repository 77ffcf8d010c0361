// Memoized verification. In PBFT every replica checks the same signed message more than
// once (e.g. a prepare arrives directly and again inside a view-change proof, Castro &
// Liskov OSDI'99 §4.4), and verify dominates the cost of a step. Ed25519 verify is a pure
// function of (publicKey, message, signature), so its answer can be reused, as long as a
// hit really is the same triple. A cache can therefore make verification faster, never
// more permissive.
//
// Memory is bounded in bytes, not only in entries: an entry is keyed by a SHA-256 over
// the whole triple and keeps no input bytes. An earlier version kept a copy of every
// verified message, so a Byzantine replica sending 200 distinct invalid 1 MB frames grew
// it by 200 MB (and at 50,000 entries, tens of GB).
//
// Why hash on every call rather than compare bytes (bench/memo-bench.ts, node:crypto
// backend, 2-core AMD EPYC, Node 20): a hit now costs one SHA-256 over the triple
// instead of a byte compare. For a 200-byte PREPARE that is ~210,000 hits/s against
// ~1,800,000 before (about 5 µs against 0.6 µs), still ~40 times cheaper than the
// Ed25519 verify it saves (~5,300/s); for a 100 KB frame it is faster than the old
// JavaScript byte loop (~10,500 against ~3,800 hits/s). One hash over a copied buffer
// beat hashing the message separately and then the header (two SHA-256 calls) for short
// messages, which are nearly all of them. Keeping copies was the only way to avoid
// hashing, and it is exactly what made memory unbounded.

import type { Crypto, KeyPair } from './crypto.ts';

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

/** Inputs longer than this are passed through uncached (no Ed25519 key or signature is). */
const MAX_CACHED_KEY_OR_SIGNATURE_BYTES = 64;

/**
 * Wraps `inner` so repeated verify calls on an identical triple are answered from a
 * bounded LRU cache. Each entry is a 32-character string (a SHA-256) mapped to a boolean:
 * about 100 bytes of heap whatever the message size (95 B measured, bench/memo-bench.ts),
 * so the default 50,000 entries take about 5 MB. Every call hashes the message once
 * (O(message bytes), no signature verify); every other call passes through unchanged.
 * @example
 * const crypto = memoizeVerify(createNativeCrypto(), 10_000);
 * crypto.verify(publicKey, message, signature); // miss: inner.verify runs
 * crypto.verify(publicKey, message, signature); // hit
 * crypto.stats; // { hits: 1, misses: 1, evictions: 0 }
 */
export function memoizeVerify(inner: Crypto, capacity = 50_000): MemoizedCrypto {
  if (typeof inner !== 'object' || inner === null || typeof inner.verify !== 'function' || typeof inner.sha256 !== 'function') {
    throw new TypeError('inner: expected a Crypto backend');
  }
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`capacity: expected a positive integer, got ${capacity}`);
  }
  // Map order is insertion order; a hit is re-inserted so the first key is always the
  // least recently used.
  const entries = new Map<string, boolean>();
  const stats: VerifyMemoStats = { hits: 0, misses: 0, evictions: 0 };

  function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    // Odd inputs are not worth caching; the inner backend answers false without throwing.
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
      return inner.verify(publicKey, message, signature);
    }
    if (publicKey.length > MAX_CACHED_KEY_OR_SIGNATURE_BYTES || signature.length > MAX_CACHED_KEY_OR_SIGNATURE_BYTES) {
      return inner.verify(publicKey, message, signature);
    }
    const cacheKey = tripleKey(inner, publicKey, message, signature);
    const cached = entries.get(cacheKey);
    if (cached !== undefined) {
      stats.hits++;
      entries.delete(cacheKey);
      entries.set(cacheKey, cached);
      return cached;
    }
    stats.misses++;
    const valid = inner.verify(publicKey, message, signature);
    if (entries.size >= capacity) evictOldest();
    entries.set(cacheKey, valid);
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
 * SHA-256( len(publicKey) ‖ publicKey ‖ len(signature) ‖ signature ‖ message ), as a
 * 32-character string (one character per byte). The lengths (one byte each, both at most
 * 64) make the encoding injective, so equal keys mean equal triples unless SHA-256 has a
 * collision: a hit is exactly the triple that was verified. The scratch copy is freed
 * when the call returns; nothing of the inputs outlives it.
 */
function tripleKey(inner: Crypto, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): string {
  const headerBytes = 2 + publicKey.length + signature.length;
  const input = new Uint8Array(headerBytes + message.length);
  input[0] = publicKey.length;
  input.set(publicKey, 1);
  input[1 + publicKey.length] = signature.length;
  input.set(signature, 2 + publicKey.length);
  input.set(message, headerBytes);
  const digest = inner.sha256(input);
  return String.fromCharCode.apply(null, digest as unknown as number[]);
}
