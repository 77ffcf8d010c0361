// Measures wall-clock time spent inside crypto calls, so the benchmark can report what
// share of a run is cryptography (and so what a faster backend or the verify memo can
// save at most). Outside src/core, hence free to read performance.now().

import type { Crypto, KeyPair } from './crypto.ts';

export interface CryptoCallCounts {
  sign: number;
  verify: number;
  sha256: number;
  hmacSha256: number;
  sharedSecret: number;
}

export type TimedCrypto = Crypto & {
  /** Milliseconds spent inside any call (keyPair, sign, verify, sha256, hmacSha256, sharedSecret) since creation. */
  readonly elapsedMs: () => number;
  readonly counts: CryptoCallCounts;
};

/**
 * Wraps `inner`, adding the time of every call to `elapsedMs()` and counting calls.
 * keyPair time is included (it is crypto work) but not counted: it is setup, once per key.
 * @example
 * const crypto = withTiming(createNativeCrypto());
 * runSimulation(crypto);
 * console.log(crypto.elapsedMs() / totalMs, crypto.counts.verify);
 */
export function withTiming(inner: Crypto): TimedCrypto {
  if (typeof inner !== 'object' || inner === null || typeof inner.verify !== 'function') {
    throw new TypeError('inner: expected a Crypto backend');
  }
  let elapsedMs = 0;
  const counts: CryptoCallCounts = { sign: 0, verify: 0, sha256: 0, hmacSha256: 0, sharedSecret: 0 };

  // try/finally: a call that throws (bad arguments) still spent its time.
  function timed<T>(call: () => T): T {
    const startMs = performance.now();
    try {
      return call();
    } finally {
      elapsedMs += performance.now() - startMs;
    }
  }

  return {
    name: inner.name,
    keyPair: (secretKey: Uint8Array): KeyPair => timed(() => inner.keyPair(secretKey)),
    sign(keyPair: KeyPair, message: Uint8Array): Uint8Array {
      counts.sign++;
      return timed(() => inner.sign(keyPair, message));
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      counts.verify++;
      return timed(() => inner.verify(publicKey, message, signature));
    },
    sha256(data: Uint8Array): Uint8Array {
      counts.sha256++;
      return timed(() => inner.sha256(data));
    },
    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      counts.hmacSha256++;
      return timed(() => inner.hmacSha256(key, data));
    },
    sharedSecret(keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined {
      counts.sharedSecret++;
      return timed(() => inner.sharedSecret(keyPair, peerPublicKey));
    },
    elapsedMs: () => elapsedMs,
    counts,
  };
}
