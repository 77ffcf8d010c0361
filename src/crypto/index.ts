// Public entry point of src/crypto: the interface, its three backends, the wrappers, and
// the session keys of the MAC mode.

import type { Crypto } from './crypto.ts';
import { createNativeCrypto } from './native.ts';
import { createNobleCrypto } from './noble.ts';
import { createSodiumCrypto, sodiumLoaded } from './sodium.ts';

export type { Crypto, KeyPair } from './crypto.ts';
export { createNobleCrypto } from './noble.ts';
export { createNativeCrypto } from './native.ts';
export { createSodiumCrypto, sodiumLoaded } from './sodium.ts';
export { deriveSecretKey, type KeyRole } from './keys.ts';
export { memoizeVerify, type MemoizedCrypto, type VerifyMemoStats } from './memo.ts';
export { withTiming, type CryptoCallCounts, type TimedCrypto } from './timing.ts';
export { MAC_TAG_BYTES, SessionKeys, type Principal, type SessionKeysOptions } from './session-keys.ts';

export type CryptoBackend = 'noble' | 'native' | 'sodium';

export const CRYPTO_BACKENDS: readonly CryptoBackend[] = ['noble', 'native', 'sodium'];

/** The fastest backend this platform has: libsodium, else OpenSSL. All three give the same verdicts (sodium.ts). */
export const FASTEST_BACKEND: CryptoBackend = sodiumLoaded ? 'sodium' : 'native';

/** A fresh instance of FASTEST_BACKEND: what replicas, clients and the simulator use unless told otherwise. */
export function createFastestCrypto(): Crypto {
  return createCrypto(FASTEST_BACKEND);
}

/**
 * A fresh backend by name, e.g. from a `--crypto` command-line flag.
 * @example
 * const crypto = createCrypto('native');
 */
export function createCrypto(backend: CryptoBackend): Crypto {
  switch (backend) {
    case 'noble':
      return createNobleCrypto();
    case 'native':
      return createNativeCrypto();
    case 'sodium':
      return createSodiumCrypto();
    default:
      // Reached when the name comes from untyped input (CLI, config file).
      throw new Error(`backend: expected one of ${CRYPTO_BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);
  }
}
