// From an Ed25519 identity to X25519 (RFC 7748) keys, for the pairwise session keys of
// PBFT's MAC authenticators (session-keys.ts): every principal already has an Ed25519 key
// pair in the cluster configuration, so no second key needs distributing. The map is the
// birational one from edwards25519 to curve25519, u = (1 + y) / (1 - y), the same that
// libsodium documents as crypto_sign_ed25519_pk_to_curve25519; the X25519 scalar is the
// clamped first half of SHA-512(seed), which is exactly the Ed25519 signing scalar, so
// both sides of a pair compute the same shared secret.
//
// The peer-key rule, which all three backends apply so they agree on every input: the key
// must be the canonical encoding of a point of prime order L. That refuses non-canonical y
// (y >= p), bytes that decode to no point, the 8 small-order points (their shared secret
// does not depend on our secret at all) and mixed-order points (a prime-order point plus
// torsion). The last ones would still give a sound secret, since X25519's clamped scalar
// clears the torsion, but our own keys are never of that kind and refusing them keeps one
// key per point. (libsodium's conversion refuses most of them but not all, see sodium.ts,
// which is why every backend takes its verdict from here.)
//
// Pure JavaScript (@noble/curves), no node: imports, so noble.ts stays portable.

import { ed25519 } from '@noble/curves/ed25519.js';
import { isBytes } from './arguments.ts';

const PUBLIC_KEY_BYTES = 32;

/**
 * The X25519 public key (u-coordinate, 32 bytes) of an Ed25519 public key, or undefined
 * if the key breaks the peer-key rule above. Costs about a millisecond (the subgroup
 * check is a scalar multiplication), so callers cache it per key.
 * @example
 * const u = montgomeryPublicKey(peerPublicKey); // Uint8Array(32) or undefined
 */
export function montgomeryPublicKey(publicKey: Uint8Array): Uint8Array | undefined {
  if (!isBytes(publicKey, PUBLIC_KEY_BYTES)) return undefined;
  try {
    // zip215 false: strict RFC 8032 decoding, refusing y >= p and a negative zero x.
    const point = ed25519.Point.fromBytes(publicKey, false);
    // Torsion-free and not the identity: exactly the points of order L.
    if (point.is0() || !point.isTorsionFree()) return undefined;
    return ed25519.utils.toMontgomery(publicKey);
  } catch {
    return undefined;
  }
}

/**
 * The X25519 secret scalar (32 bytes, clamped) of a 32-byte Ed25519 secret seed.
 * @example
 * const scalar = montgomerySecretKey(keyPair.secretKey);
 */
export function montgomerySecretKey(secretSeed: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(secretSeed);
}

/** True if every byte is zero: the shared secret of a small-order input (RFC 7748 §6.1). */
export function isAllZero(bytes: Uint8Array): boolean {
  let accumulated = 0;
  for (const byte of bytes) accumulated |= byte;
  return accumulated === 0;
}
