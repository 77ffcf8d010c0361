// Public entry point of src/crypto: the interface, its two backends, and the wrappers.

import type { Crypto } from './crypto.ts';
import { createNativeCrypto } from './native.ts';
import { createNobleCrypto } from './noble.ts';

export type { Crypto, KeyPair } from './crypto.ts';
export { createNobleCrypto } from './noble.ts';
export { createNativeCrypto } from './native.ts';
export { deriveSecretKey, type KeyRole } from './keys.ts';
export { memoizeVerify, type MemoizedCrypto, type VerifyMemoStats } from './memo.ts';
export { withTiming, type CryptoCallCounts, type TimedCrypto } from './timing.ts';

export type CryptoBackend = 'noble' | 'native';

export const CRYPTO_BACKENDS: readonly CryptoBackend[] = ['noble', 'native'];

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
    default:
      // Reached when the name comes from untyped input (CLI, config file).
      throw new Error(`backend: expected one of ${CRYPTO_BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);
  }
}
