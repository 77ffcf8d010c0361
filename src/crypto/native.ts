// The fast backend: Ed25519 and SHA-256 from node:crypto (OpenSSL). It must accept
// exactly what the reference backend (noble.ts, strict mode) accepts; see that file's
// header for the one divergence (cofactored vs cofactorless equation) and why it is
// harmless under the PBFT fault model.
//
// OpenSSL imports raw keys only as DER, and parsing costs more than a verify of a short
// message would suggest, so KeyObjects are cached: private keys per secret-key buffer,
// public keys in a bounded map keyed by their bytes. The same holds for the X25519 keys of
// sharedSecret, whose conversion from Ed25519 (and the peer-key rule) is montgomery.ts's:
// OpenSSL has no such conversion.

import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { assertBytes, assertKeyPair, isBytes, SECRET_KEY_BYTES } from './arguments.ts';
import type { Crypto, KeyPair } from './crypto.ts';
import { KeyCache, SeedCache } from './key-cache.ts';
import { isAllZero, montgomeryPublicKey, montgomerySecretKey } from './montgomery.ts';

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

// RFC 8410 DER wrappers around a raw Ed25519 seed (PKCS#8) and public key (SPKI).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
// The same wrappers for raw X25519 keys (OID 1.3.101.110 instead of 1.3.101.112).
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

// y-coordinates (sign bit cleared, little-endian hex) of the 8 small-order points:
// y=0 (order 4), y=1 (identity), y=p-1 (order 2) and the two y of the order-8 points.
// OpenSSL accepts these keys, and for them signatures can be forged without any secret;
// noble's strict mode rejects them, and so must we to agree with it.
const SMALL_ORDER_Y_HEX = new Set([
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
]);

/**
 * Creates the node:crypto Ed25519 + SHA-256 + HMAC + X25519 backend. Each instance has its own key caches.
 * @example
 * const crypto = createNativeCrypto();
 * const keyPair = crypto.keyPair(new Uint8Array(32));
 * const signature = crypto.sign(keyPair, new Uint8Array([1, 2, 3]));
 * crypto.verify(keyPair.publicKey, new Uint8Array([1, 2, 3]), signature); // true
 */
export function createNativeCrypto(): Crypto {
  const privateKeys = new SeedCache<KeyObject>();
  // null marks a key the blocklist refuses, so the check runs once per key, not per verify.
  const publicKeys = new KeyCache<KeyObject | null>();
  const x25519PrivateKeys = new SeedCache<KeyObject>();
  // null marks a peer key the rule of montgomery.ts refuses.
  const x25519PublicKeys = new KeyCache<KeyObject | null>();

  function privateKeyOf(secretKey: Uint8Array): KeyObject {
    return privateKeys.get(secretKey, (seed) => createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
  }

  function publicKeyOf(publicKey: Uint8Array): KeyObject | null {
    return publicKeys.get(publicKey, (key) =>
      isRejectedPublicKey(key) ? null : createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, key]), format: 'der', type: 'spki' }),
    );
  }

  return {
    name: 'native',
    keyPair(secretKey: Uint8Array): KeyPair {
      assertBytes(secretKey, 'secretKey', SECRET_KEY_BYTES);
      // Copy, so a caller reusing its buffer cannot change a KeyPair already handed out.
      const ownSecretKey = Uint8Array.from(secretKey);
      const jwk = createPublicKey(privateKeyOf(ownSecretKey)).export({ format: 'jwk' });
      if (typeof jwk.x !== 'string') throw new Error('node:crypto returned a JWK without x');
      return { secretKey: ownSecretKey, publicKey: new Uint8Array(Buffer.from(jwk.x, 'base64url')) };
    },
    sign(keyPair: KeyPair, message: Uint8Array): Uint8Array {
      assertKeyPair(keyPair);
      assertBytes(message, 'message');
      return new Uint8Array(nodeSign(null, message, privateKeyOf(keyPair.secretKey)));
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!isBytes(publicKey, PUBLIC_KEY_BYTES)) return false;
      if (!isBytes(message)) return false;
      if (!isBytes(signature, SIGNATURE_BYTES)) return false;
      try {
        const keyObject = publicKeyOf(publicKey);
        return keyObject !== null && nodeVerify(null, message, keyObject, signature);
      } catch {
        return false;
      }
    },
    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return new Uint8Array(createHmac('sha256', key).update(data).digest());
    },
    sharedSecret(keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined {
      assertKeyPair(keyPair);
      if (!isBytes(peerPublicKey, PUBLIC_KEY_BYTES)) return undefined;
      const publicKey = x25519PublicKeys.get(peerPublicKey, (key) => {
        const u = montgomeryPublicKey(key);
        return u === undefined ? null : createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, u]), format: 'der', type: 'spki' });
      });
      if (publicKey === null) return undefined;
      const privateKey = x25519PrivateKeys.get(keyPair.secretKey, (seed) =>
        createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, montgomerySecretKey(seed)]), format: 'der', type: 'pkcs8' }),
      );
      try {
        const secret = new Uint8Array(diffieHellman({ privateKey, publicKey }));
        return isAllZero(secret) ? undefined : secret;
      } catch {
        // OpenSSL refuses to derive an all-zero secret.
        return undefined;
      }
    },
    sha256(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data');
      return new Uint8Array(createHash('sha256').update(data).digest());
    },
  };
}

/**
 * True for the public-key encodings noble's strict mode refuses and OpenSSL does not:
 * non-canonical y (y >= p = 2^255 - 19) and small-order points, whatever the sign bit.
 * sodium.ts applies the same test to a signature's R.
 */
export function isRejectedPublicKey(publicKey: Uint8Array): boolean {
  const y = Uint8Array.from(publicKey);
  y[31] = (y[31] ?? 0) & 0x7f;
  return isAtLeastFieldPrime(y) || SMALL_ORDER_Y_HEX.has(toBuffer(y).toString('hex'));
}

/** y >= 2^255 - 19, for a little-endian y below 2^255: ed ff … ff 7f up to ff ff … ff 7f. */
function isAtLeastFieldPrime(y: Uint8Array): boolean {
  if (y[31] !== 0x7f || (y[0] ?? 0) < 0xed) return false;
  for (let index = 1; index < 31; index++) if (y[index] !== 0xff) return false;
  return true;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
