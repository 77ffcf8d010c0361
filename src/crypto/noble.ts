// The reference backend: pure JavaScript Ed25519 (@noble/ed25519) and SHA-256
// (@noble/hashes). Slower than node:crypto, but small, audited and runs anywhere; the
// native backend is tested against this one.
//
// Verification policy: noble's *strict* branch (`zip215: false`), not its ZIP-215
// default. ZIP-215 accepts every signature under a small-order public key (e.g. 32 zero
// bytes), i.e. anyone can forge for such a key; strict mode rejects small-order keys and
// non-canonical point encodings. native.ts applies the same key rules, so both backends
// agree on every input except one kind: a signature whose R or public key A has a
// small-order component, which noble's cofactored equation accepts and OpenSSL's
// cofactorless equation rejects. Crafting one needs the secret key, so it is no forgery:
// under the PBFT fault model it is the same as a Byzantine replica sending a message to
// some replicas and not others, which the protocol already tolerates. (Keys a mixed-order
// A could come from are only those a cluster.json names; our own key derivation always
// gives prime-order keys.)
//
// HMAC-SHA256 is @noble/hashes'; X25519 and the Ed25519→X25519 conversion are
// @noble/curves' (montgomery.ts).

import { x25519 } from '@noble/curves/ed25519.js';
import * as ed from '@noble/ed25519';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, assertKeyPair, isBytes, SECRET_KEY_BYTES } from './arguments.ts';
import type { Crypto, KeyPair } from './crypto.ts';
import { KeyCache } from './key-cache.ts';
import { isAllZero, montgomeryPublicKey, montgomerySecretKey } from './montgomery.ts';

// @noble/ed25519 v3 ships without a hash; its synchronous API needs SHA-512 wired once.
// Assigning the same function again (another import of this file) is harmless.
ed.hashes.sha512 = sha512;

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/**
 * Creates the pure-JS Ed25519 + SHA-256 + HMAC + X25519 backend. Each instance has its own peer-key cache.
 * @example
 * const crypto = createNobleCrypto();
 * const keyPair = crypto.keyPair(new Uint8Array(32));
 * const signature = crypto.sign(keyPair, new Uint8Array([1, 2, 3]));
 * crypto.verify(keyPair.publicKey, new Uint8Array([1, 2, 3]), signature); // true
 */
export function createNobleCrypto(): Crypto {
  // Peer keys converted to X25519, null for a refused key: the subgroup check costs about
  // a millisecond, so it runs once per key. Our own scalar is one SHA-512, not worth caching.
  const montgomeryKeys = new KeyCache<Uint8Array | null>();

  return {
    name: 'noble',
    keyPair(secretKey: Uint8Array): KeyPair {
      assertBytes(secretKey, 'secretKey', SECRET_KEY_BYTES);
      // Copy, so a caller reusing its buffer cannot change a KeyPair already handed out.
      const ownSecretKey = Uint8Array.from(secretKey);
      return { secretKey: ownSecretKey, publicKey: ed.getPublicKey(ownSecretKey) };
    },
    sign(keyPair: KeyPair, message: Uint8Array): Uint8Array {
      assertKeyPair(keyPair);
      assertBytes(message, 'message');
      return ed.sign(message, keyPair.secretKey);
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      // noble throws on wrong types and lengths; the interface promises a boolean.
      if (!isBytes(publicKey, PUBLIC_KEY_BYTES)) return false;
      if (!isBytes(message)) return false;
      if (!isBytes(signature, SIGNATURE_BYTES)) return false;
      try {
        return ed.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
    sha256(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data');
      return sha256(data);
    },
    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return hmac(sha256, key, data);
    },
    sharedSecret(keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined {
      assertKeyPair(keyPair);
      if (!isBytes(peerPublicKey, PUBLIC_KEY_BYTES)) return undefined;
      const peer = montgomeryKeys.get(peerPublicKey, (key) => montgomeryPublicKey(key) ?? null);
      if (peer === null) return undefined;
      try {
        const secret = x25519.getSharedSecret(montgomerySecretKey(keyPair.secretKey), peer);
        return isAllZero(secret) ? undefined : secret;
      } catch {
        // noble throws on a low-order u or an all-zero result: either way, no secret.
        return undefined;
      }
    },
  };
}
