// Counts what a replica asks of its crypto: signatures made, verifications requested and,
// behind a verify memo, the ones the memo could not answer (real verifications). The
// amplification harness and the simulator's per-replica report use it to show what an
// attacker's messages cost a correct replica. Counting never changes an answer, so a run
// with counters is the same run as without.

import type { Crypto, KeyPair } from './crypto.ts';
import type { VerifyMemoStats } from './memo.ts';

export interface CryptoWork {
  /** sign calls: each one Ed25519 signature. */
  signatures: number;
  /** verify calls, whether or not a memo answered them. */
  verifications: number;
  /** verify calls that reached a real verification: the memo's misses, or every call without a memo. */
  verifyMisses: number;
}

export type CountingCrypto = Crypto & {
  readonly work: CryptoWork;
};

/**
 * Wraps `inner`, counting calls in `work`. When `inner` is a verify memo (it has
 * `stats.misses`), a verify that missed the memo counts in `verifyMisses`; otherwise
 * every verify does. Several counters may share one inner backend: each counts only the
 * calls made through it, so one per replica gives per-replica figures.
 * @example
 * const crypto = countWork(memoizeVerify(createNativeCrypto()));
 * crypto.sign(keyPair, bytes);
 * crypto.work; // { signatures: 1, verifications: 0, verifyMisses: 0 }
 */
export function countWork(inner: Crypto): CountingCrypto {
  if (typeof inner !== 'object' || inner === null || typeof inner.verify !== 'function') {
    throw new TypeError('inner: expected a Crypto backend');
  }
  const work: CryptoWork = { signatures: 0, verifications: 0, verifyMisses: 0 };
  const memoStats = memoStatsOf(inner);
  return {
    name: inner.name,
    keyPair: (secretKey: Uint8Array): KeyPair => inner.keyPair(secretKey),
    sign(keyPair: KeyPair, message: Uint8Array): Uint8Array {
      work.signatures++;
      return inner.sign(keyPair, message);
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      work.verifications++;
      if (memoStats === undefined) {
        work.verifyMisses++;
        return inner.verify(publicKey, message, signature);
      }
      const missesBefore = memoStats.misses;
      const valid = inner.verify(publicKey, message, signature);
      work.verifyMisses += memoStats.misses - missesBefore;
      return valid;
    },
    sha256(data: Uint8Array): Uint8Array {
      return inner.sha256(data);
    },
    // Not counted: CryptoWork measures signature work, the cost this harness was built for.
    hmacSha256: (key: Uint8Array, data: Uint8Array): Uint8Array => inner.hmacSha256(key, data),
    sharedSecret: (keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined => inner.sharedSecret(keyPair, peerPublicKey),
    work,
  };
}

function memoStatsOf(inner: Crypto): VerifyMemoStats | undefined {
  const stats = (inner as { readonly stats?: unknown }).stats;
  if (typeof stats !== 'object' || stats === null || typeof (stats as { misses?: unknown }).misses !== 'number') return undefined;
  return stats as VerifyMemoStats;
}
