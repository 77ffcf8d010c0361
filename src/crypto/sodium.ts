// The fastest backend here: Ed25519 from libsodium (the sodium-native addon), SHA-256
// and the public-key rules of the node:crypto backend. On this 2-core machine libsodium
// verifies in about 0.65 and signs in about 0.55 of the time OpenSSL takes through
// node:crypto (bench/crypto-bench.ts), and verification is most of a replica's CPU.
//
// Its verdicts are native.ts's, input for input, so a cluster may mix the two backends
// and the simulator's traces do not depend on which one ran:
// - Signatures are deterministic (RFC 8032 §5.1.6): same seed and message, same bytes.
// - libsodium accepts a subset of what OpenSSL accepts. Both check S < L and compare the
//   encoding of [S]B - [k]A with R byte for byte (the cofactorless equation); libsodium
//   also refuses small-order or non-canonical public keys, which native.ts refuses too
//   (isRejectedPublicKey), and small-order R, which OpenSSL accepts: a signer with the
//   secret key a can sign any message with R = identity and S = k·a. So when libsodium
//   says no and R is such a point, OpenSSL decides. Any other refusal is final, so a
//   flood of bad signatures costs one libsodium call each, not two.
// The addon ships prebuilt for the usual platforms; where it cannot load, `sodiumLoaded`
// is false and callers take the native backend (createFastestCrypto in index.ts). The
// subset argument rests on libsodium's equation being cofactorless, which a future build
// could change (sodium-native builds libsodium's moving `stable` branch from source where
// no prebuild fits); so the version is pinned, and a known answer is checked at load: a
// signature whose R has a torsion component passes the cofactored equation only, and
// libsodium must refuse it, or the backend counts as not loaded.
//
// sharedSecret takes our X25519 scalar and the X25519 itself from libsodium, but the
// peer's key from montgomery.ts (checked and converted with @noble/curves, once per key):
// libsodium's crypto_sign_ed25519_pk_to_curve25519, as built here, accepts points of
// order 2L (a prime-order point plus the order-2 point), because its subgroup test only
// asks whether [L]P has x = 0, which the order-2 point (0, -1) has too; the other
// backends refuse those keys (test/unit/session-keys.test.ts found one).
//
// HMAC-SHA256 (RFC 2104) is built here on libsodium's SHA-256, since sodium-native binds
// only crypto_auth (HMAC-SHA512-256). A MAC is the hot path of the MAC-authenticator mode:
// every request carries n of them and every reply one, always under the same few session
// keys. So the SHA-256 states after the key's inner and outer pad block are computed once
// per key and copied per MAC, which halves its cost (about 2.4 against 5 µs for 250 bytes
// here) and leaves each MAC two native calls per hash instead of three buffers.

import { createRequire } from 'node:module';
import { assertBytes, assertKeyPair, isBytes, SECRET_KEY_BYTES } from './arguments.ts';
import type { Crypto, KeyPair } from './crypto.ts';
import { KeyCache, SeedCache } from './key-cache.ts';
import { isAllZero, montgomeryPublicKey } from './montgomery.ts';
import { createNativeCrypto, isRejectedPublicKey } from './native.ts';

/** sodium-native with the streaming SHA-256 it binds and @types/sodium-native omits. */
type Sodium = typeof import('sodium-native') & {
  readonly crypto_hash_sha256_STATEBYTES: number;
  crypto_hash_sha256_init(state: Buffer): void;
  crypto_hash_sha256_update(state: Buffer, input: Buffer): void;
  crypto_hash_sha256_final(state: Buffer, output: Buffer): void;
};

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** libsodium's signing key: the 32-byte seed followed by the public key. */
const SODIUM_SECRET_KEY_BYTES = 64;
const X25519_SCALAR_BYTES = 32;
const SHA256_BYTES = 32;
const SHA256_BLOCK_BYTES = 64;

// Seed 32 × 0x2a, public key A, and for MESSAGE a signature with R = rB + T (T of order
// 8) and S = r + k·a: [S]B - [k]A = R - T, so only [8][S]B = [8]R + [8][k]A holds.
// OpenSSL and native.ts refuse it, noble's cofactored check accepts it.
const KNOWN_ANSWER = {
  publicKey: '197f6b23e16c8532c6abc838facd5ea789be0c76b2920334039bfa8b3d368d61',
  message: 'pancydb-bft known answer',
  torsionR: '1dd960b291c53514fece1341fc0dcd8a648b3934c2c533666f737a654ff1e1bfde861a3fbac06a32f307c583cdbacafa8f67f693312ea46d8e56ff0eeab0c50d',
};

const sodium: Sodium | undefined = loadSodium();

function loadSodium(): Sodium | undefined {
  let lib: Sodium;
  try {
    lib = createRequire(import.meta.url)('sodium-native') as Sodium;
  } catch {
    return undefined;
  }
  const publicKey = Buffer.from(KNOWN_ANSWER.publicKey, 'hex');
  const message = Buffer.from(KNOWN_ANSWER.message);
  return lib.crypto_sign_verify_detached(Buffer.from(KNOWN_ANSWER.torsionR, 'hex'), message, publicKey) ? undefined : lib;
}

/** Whether the libsodium addon loaded on this platform and checks the cofactorless equation. */
export const sodiumLoaded: boolean = sodium !== undefined;

/**
 * Creates the libsodium Ed25519 backend; throws if the addon did not load (see `sodiumLoaded`).
 * @example
 * const crypto = createSodiumCrypto();
 * const keyPair = crypto.keyPair(new Uint8Array(32));
 * crypto.verify(keyPair.publicKey, new Uint8Array([1]), crypto.sign(keyPair, new Uint8Array([1]))); // true
 */
export function createSodiumCrypto(): Crypto {
  if (sodium === undefined) throw new Error('sodium-native did not load on this platform; use the native backend');
  const lib = sodium;
  const openssl = createNativeCrypto();
  const signingKeys = new SeedCache<Uint8Array>();
  // Public-key rule verdicts, computed once per key.
  const keyRejected = new KeyCache<boolean>();
  const x25519SecretKeys = new SeedCache<Uint8Array>();
  // Peer keys converted to X25519, null for a refused key: the subgroup check costs about
  // a millisecond, so it runs once per key.
  const x25519PublicKeys = new KeyCache<Uint8Array | null>();

  // Per HMAC key (a session key, held by its SessionKeys for as long as it is used): the
  // SHA-256 states after its padded key block, copied and compared on every hit like a seed.
  const hmacPads = new SeedCache<{ readonly inner: Buffer; readonly outer: Buffer }>();
  // Scratch for one MAC at a time: hmacSha256 runs to completion and calls nothing re-entrant.
  const hashState = Buffer.alloc(lib.crypto_hash_sha256_STATEBYTES);
  const innerDigest = Buffer.alloc(SHA256_BYTES);

  function padStatesOf(key: Uint8Array): { inner: Buffer; outer: Buffer } {
    const block = Buffer.alloc(SHA256_BLOCK_BYTES);
    if (key.length > SHA256_BLOCK_BYTES) lib.crypto_hash_sha256(block.subarray(0, SHA256_BYTES), key as Buffer);
    else block.set(key);
    const stateAfter = (pad: number): Buffer => {
      const padded = Buffer.alloc(SHA256_BLOCK_BYTES);
      for (let index = 0; index < SHA256_BLOCK_BYTES; index++) padded[index] = block[index]! ^ pad;
      const state = Buffer.alloc(lib.crypto_hash_sha256_STATEBYTES);
      lib.crypto_hash_sha256_init(state);
      lib.crypto_hash_sha256_update(state, padded);
      return state;
    };
    return { inner: stateAfter(0x36), outer: stateAfter(0x5c) };
  }

  function signingKeyOf(seed: Uint8Array): Uint8Array {
    return signingKeys.get(seed, (ownSeed) => expand(ownSeed).secretKey);
  }

  function x25519SecretKeyOf(seed: Uint8Array): Uint8Array {
    return x25519SecretKeys.get(seed, (ownSeed) => {
      const scalar = new Uint8Array(X25519_SCALAR_BYTES);
      // Needs libsodium's 64-byte seed ‖ public key form; only its seed half is read.
      lib.crypto_sign_ed25519_sk_to_curve25519(scalar as Buffer, signingKeyOf(ownSeed) as Buffer);
      return scalar;
    });
  }

  function expand(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
    const publicKey = new Uint8Array(PUBLIC_KEY_BYTES);
    const secretKey = new Uint8Array(SODIUM_SECRET_KEY_BYTES);
    lib.crypto_sign_seed_keypair(publicKey as Buffer, secretKey as Buffer, seed as Buffer);
    return { publicKey, secretKey };
  }

  return {
    name: 'sodium',
    keyPair(secretKey: Uint8Array): KeyPair {
      assertBytes(secretKey, 'secretKey', SECRET_KEY_BYTES);
      const ownSecretKey = Uint8Array.from(secretKey);
      return { secretKey: ownSecretKey, publicKey: expand(ownSecretKey).publicKey };
    },
    sign(keyPair: KeyPair, message: Uint8Array): Uint8Array {
      assertKeyPair(keyPair);
      assertBytes(message, 'message');
      const signature = new Uint8Array(SIGNATURE_BYTES);
      lib.crypto_sign_detached(signature as Buffer, message as Buffer, signingKeyOf(keyPair.secretKey) as Buffer);
      return signature;
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      if (!isBytes(publicKey, PUBLIC_KEY_BYTES) || !isBytes(message) || !isBytes(signature, SIGNATURE_BYTES)) return false;
      if (keyRejected.get(publicKey, isRejectedPublicKey)) return false;
      if (lib.crypto_sign_verify_detached(signature as Buffer, message as Buffer, publicKey as Buffer)) return true;
      // The one refusal that is libsodium's alone: a small-order (or non-canonical) R.
      return isRejectedPublicKey(signature.subarray(0, PUBLIC_KEY_BYTES)) && openssl.verify(publicKey, message, signature);
    },
    sha256(data: Uint8Array): Uint8Array {
      assertBytes(data, 'data');
      const digest = new Uint8Array(SHA256_BYTES);
      lib.crypto_hash_sha256(digest as Buffer, data as Buffer);
      return digest;
    },
    // RFC 2104 over libsodium's one-shot SHA-256: H(K⊕opad ‖ H(K⊕ipad ‖ m)). Two native
    // calls cost about 3 µs for a 200-byte message against about 7 µs for node:crypto's
    // createHmac, whose per-call object setup dominates at these sizes (bench/crypto-bench.ts).
    hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      const pads = hmacPads.get(key, padStatesOf);
      // H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ data)), resuming from the states after each pad block.
      hashState.set(pads.inner);
      lib.crypto_hash_sha256_update(hashState, data as Buffer);
      lib.crypto_hash_sha256_final(hashState, innerDigest);
      hashState.set(pads.outer);
      lib.crypto_hash_sha256_update(hashState, innerDigest);
      const mac = new Uint8Array(SHA256_BYTES);
      lib.crypto_hash_sha256_final(hashState, mac as Buffer);
      return mac;
    },
    sharedSecret(keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined {
      assertKeyPair(keyPair);
      if (!isBytes(peerPublicKey, PUBLIC_KEY_BYTES)) return undefined;
      const peer = x25519PublicKeys.get(peerPublicKey, (key) => montgomeryPublicKey(key) ?? null);
      if (peer === null) return undefined;
      const secret = new Uint8Array(X25519_SCALAR_BYTES);
      try {
        lib.crypto_scalarmult(secret as Buffer, x25519SecretKeyOf(keyPair.secretKey) as Buffer, peer as Buffer);
      } catch {
        return undefined; // sodium-native throws where libsodium refuses an all-zero result
      }
      return isAllZero(secret) ? undefined : secret;
    },
  };
}
