// Pairwise session keys and MAC authenticators, for PBFT's MAC mode (Castro & Liskov,
// OSDI'99 §5; TOCS 2002): every ordered pair of principals (replicas and clients)
// shares a key, and a message to many receivers carries an authenticator, one MAC per
// receiver, instead of one signature. On this 2-core machine an HMAC of a 200-byte
// message takes about 5 µs through node:crypto, an Ed25519 verification 75–200 µs
// (bench/crypto-bench.ts), and verification is where a replica spends its CPU.
//
// Where the keys come from: no key exchange protocol. Each principal's Ed25519 key in the
// cluster configuration doubles as an X25519 key (montgomery.ts), and the pair's static
// Diffie-Hellman secret is expanded with HKDF-SHA256 (RFC 5869):
//   key(a→b) = HKDF(ikm = X25519(a, b), salt = domain,
//                   info = "pancydb/mac/v1" ‖ kind(a) ‖ id(a) ‖ kind(b) ‖ id(b))
// with kind 0 for a replica, 1 for a client, and ids as 4-byte big-endian integers.
//
// Why a Byzantine principal c cannot learn or forge the key of a pair (a, b) it is not in:
// X25519(a, b) needs the secret scalar of a or of b; computing it from the two public keys
// is the computational Diffie-Hellman problem on Curve25519. Knowing its own secrets gives
// c only the secrets of pairs that include c, and HKDF binds both identities and the
// direction into every key, so c's key with a tells nothing about a's key with b, and the
// key a MACs with towards b is never the one b MACs with towards a (no reflection of a
// MAC back at its sender). The domain (e.g. the cluster id) makes two clusters that share
// keys derive unrelated session keys. A MAC authenticates a message to its one receiver
// only: unlike a signature it cannot be shown to a third party, which is why PBFT's MAC
// mode changes the view-change protocol (TOCS 2002); that is the protocol's concern, not
// this file's.
//
// Caveat: using one key pair both for Ed25519 signatures and for X25519 departs from the
// advice to keep keys per purpose. libsodium documents this very conversion
// (crypto_sign_ed25519_pk_to_curve25519) for that use, while still recommending distinct
// keys, and cites Thormarker, "On using the same key pair for Ed25519 and an X25519 based
// KEM" (IACR ePrint 2021/509), which analyses the combination and finds it secure for an
// X25519-based KEM; our static-static Diffie-Hellman with HKDF is close to that setting
// but not the one analysed. Separate X25519 keys in the configuration would remove the
// question at the price of a second key per principal.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertKeyPair, isBytes } from './arguments.ts';
import type { Crypto, KeyPair } from './crypto.ts';
import { KEY_CACHE_CAPACITY } from './key-cache.ts';

/** HMAC-SHA256 truncated to 128 bits (RFC 2104 §5 allows down to half the output). */
export const MAC_TAG_BYTES = 16;

const SESSION_KEY_BYTES = 32;
const INFO_LABEL = new TextEncoder().encode('pancydb/mac/v1');
/** One kind byte and a 4-byte big-endian id. */
const PRINCIPAL_BYTES = 5;
const MAX_PRINCIPAL_ID = 0xffff_ffff;

export interface Principal {
  readonly kind: 'replica' | 'client';
  readonly id: number;
}

export interface SessionKeysOptions {
  readonly crypto: Crypto;
  /** The principal whose key pair this is: the "a" of keyTo and the "b" of keyFrom. */
  readonly self: Principal;
  readonly keyPair: KeyPair;
  /** The peer's Ed25519 public key, or undefined for a principal not (yet) known. */
  readonly publicKeyOf: (principal: Principal) => Uint8Array | undefined;
  /** Separates clusters: e.g. the cluster id's bytes, or a fixed label. */
  readonly domain: Uint8Array;
  /** How many peers' keys are kept; beyond it the oldest is evicted. */
  readonly capacity?: number;
}

/** The two directional keys of one pair, derived together from one shared secret. */
interface PairKeys {
  readonly to: Uint8Array;
  readonly from: Uint8Array;
}

/**
 * The session keys of one principal towards all others, derived when first used and kept
 * in a bounded cache: a flood of distinct client ids only evicts the oldest entries, and
 * an id without a key is not cached at all, so it is tried again once its key is known.
 * @example
 * const keys = new SessionKeys({ crypto, self: { kind: 'client', id: 7 }, keyPair, publicKeyOf, domain });
 * const authenticator = keys.authenticator([{ kind: 'replica', id: 0 }, { kind: 'replica', id: 1 }], bytes);
 * // replica 1, with its own SessionKeys:
 * replicaKeys.verifyTag({ kind: 'client', id: 7 }, bytes, authenticator.subarray(16, 32)); // true
 */
export class SessionKeys {
  private readonly crypto: Crypto;
  private readonly self: Uint8Array;
  private readonly keyPair: KeyPair;
  private readonly publicKeyOf: (principal: Principal) => Uint8Array | undefined;
  private readonly domain: Uint8Array;
  /**
   * Per peer (numbered by peerNumber): its public key when the keys were derived, and the
   * keys. At most `capacity` peers, the oldest evicted first. A lookup by number, not by
   * key bytes: a MAC is a few µs, and building and hashing a cache key cost as much.
   */
  private readonly pairs = new Map<number, { readonly publicKey: Uint8Array; readonly keys: PairKeys }>();
  private readonly capacity: number;

  constructor(options: SessionKeysOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options: expected { crypto, self, keyPair, publicKeyOf, domain }');
    const { crypto, self, keyPair, publicKeyOf, domain, capacity = KEY_CACHE_CAPACITY } = options;
    if (typeof crypto?.hmacSha256 !== 'function' || typeof crypto.sharedSecret !== 'function') {
      throw new TypeError('crypto: expected a Crypto backend with hmacSha256 and sharedSecret');
    }
    const selfBytes = encodePrincipal(self);
    if (selfBytes === undefined) throw new RangeError(`self: expected { kind: 'replica' | 'client', id: 0…${MAX_PRINCIPAL_ID} }`);
    assertKeyPair(keyPair);
    if (typeof publicKeyOf !== 'function') throw new TypeError('publicKeyOf: expected a function');
    assertBytes(domain, 'domain');
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity: expected a positive integer, got ${capacity}`);
    this.crypto = crypto;
    this.self = selfBytes;
    this.keyPair = keyPair;
    this.publicKeyOf = publicKeyOf;
    this.domain = Uint8Array.from(domain);
    this.capacity = capacity;
  }

  /**
   * The 32-byte key self MACs with towards `receiver`; undefined if the receiver's public
   * key is unknown or refused. Throws on a malformed principal: receivers are ours to name.
   * @example
   * keys.keyTo({ kind: 'replica', id: 2 }); // Uint8Array(32), equal to replica 2's keyFrom(self)
   */
  keyTo(receiver: Principal): Uint8Array | undefined {
    if (peerNumber(receiver) === undefined) throw new RangeError(`receiver: expected { kind: 'replica' | 'client', id: 0…${MAX_PRINCIPAL_ID} }`);
    return this.pairKeys(receiver)?.to;
  }

  /**
   * The 32-byte key `sender` MACs with towards self; undefined for an unknown or malformed
   * sender (senders are claimed by the network, so nothing here throws).
   * @example
   * keys.keyFrom({ kind: 'client', id: 7 }); // equal to client 7's keyTo(self)
   */
  keyFrom(sender: Principal): Uint8Array | undefined {
    return this.pairKeys(sender)?.from;
  }

  /**
   * The MAC_TAG_BYTES-byte tag of `bytes` for `receiver`. Without a key it is all zero,
   * which no receiver accepts: verifyTag refuses a sender it has no key for.
   * @example
   * const tag = keys.tag({ kind: 'replica', id: 0 }, bytes); // Uint8Array(16)
   */
  tag(receiver: Principal, bytes: Uint8Array): Uint8Array {
    assertBytes(bytes, 'bytes');
    const key = this.keyTo(receiver);
    if (key === undefined) return new Uint8Array(MAC_TAG_BYTES);
    return this.crypto.hmacSha256(key, bytes).slice(0, MAC_TAG_BYTES);
  }

  /**
   * Whether `tag` is sender's MAC of `bytes` for self. Never throws: false for a tag of
   * the wrong length, a sender without a key, or any mismatch; the comparison takes the
   * same time wherever the tags differ.
   * @example
   * keys.verifyTag({ kind: 'client', id: 7 }, bytes, tag); // true or false
   */
  verifyTag(sender: Principal, bytes: Uint8Array, tag: Uint8Array): boolean {
    if (!isBytes(bytes) || !isBytes(tag, MAC_TAG_BYTES)) return false;
    const key = this.keyFrom(sender);
    if (key === undefined) return false;
    return constantTimeEqual(this.crypto.hmacSha256(key, bytes).subarray(0, MAC_TAG_BYTES), tag);
  }

  /**
   * PBFT's authenticator: tag(receiver, bytes) for each receiver, concatenated in order.
   * @example
   * const replicas = [0, 1, 2, 3].map((id) => ({ kind: 'replica' as const, id }));
   * keys.authenticator(replicas, bytes); // Uint8Array(64): replica i checks bytes 16·i … 16·i + 15
   */
  authenticator(receivers: readonly Principal[], bytes: Uint8Array): Uint8Array {
    if (!Array.isArray(receivers)) throw new TypeError('receivers: expected an array of principals');
    assertBytes(bytes, 'bytes');
    const out = new Uint8Array(receivers.length * MAC_TAG_BYTES);
    receivers.forEach((receiver, index) => out.set(this.tag(receiver, bytes), index * MAC_TAG_BYTES));
    return out;
  }

  /** Peers whose keys are cached; never above the capacity. */
  get size(): number {
    return this.pairs.size;
  }

  /**
   * The cache is keyed by the peer and its public key, so a principal whose configured
   * key changes gets keys for the new one, never stale keys for the old.
   */
  private pairKeys(peer: Principal): PairKeys | undefined {
    const number = peerNumber(peer);
    if (number === undefined) return undefined;
    const publicKey = this.publicKeyOf(peer);
    if (!isBytes(publicKey)) return undefined;
    const held = this.pairs.get(number);
    if (held !== undefined && (held.publicKey === publicKey || bytesEqual(held.publicKey, publicKey))) return held.keys;
    const keys = this.derive(peer, publicKey);
    // A peer without keys (a refused public key) is not cached: it is tried again if its key changes.
    if (keys === undefined) return undefined;
    this.pairs.delete(number);
    if (this.pairs.size >= this.capacity) this.pairs.delete(this.pairs.keys().next().value!);
    this.pairs.set(number, { publicKey: Uint8Array.from(publicKey), keys });
    return keys;
  }

  private derive(peer: Principal, publicKey: Uint8Array): PairKeys | undefined {
    const secret = this.crypto.sharedSecret(this.keyPair, publicKey);
    if (secret === undefined) return undefined;
    const peerBytes = encodePrincipal(peer)!;
    return {
      to: hkdf(sha256, secret, this.domain, info(this.self, peerBytes), SESSION_KEY_BYTES),
      from: hkdf(sha256, secret, this.domain, info(peerBytes, this.self), SESSION_KEY_BYTES),
    };
  }
}

/** HKDF info for the direction sender → receiver: INFO_LABEL ‖ sender ‖ receiver. */
function info(sender: Uint8Array, receiver: Uint8Array): Uint8Array {
  const out = new Uint8Array(INFO_LABEL.length + 2 * PRINCIPAL_BYTES);
  out.set(INFO_LABEL);
  out.set(sender, INFO_LABEL.length);
  out.set(receiver, INFO_LABEL.length + PRINCIPAL_BYTES);
  return out;
}

/** A principal as one number (replicas first, then clients), undefined if it is not one. */
function peerNumber(principal: Principal): number | undefined {
  if (typeof principal !== 'object' || principal === null) return undefined;
  const { kind, id } = principal;
  if (!Number.isInteger(id) || id < 0 || id > MAX_PRINCIPAL_ID) return undefined;
  if (kind === 'replica') return id;
  return kind === 'client' ? MAX_PRINCIPAL_ID + 1 + id : undefined;
}

function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

/** kind byte (0 replica, 1 client) ‖ 4-byte big-endian id; undefined if not a principal. */
function encodePrincipal(principal: Principal): Uint8Array | undefined {
  if (typeof principal !== 'object' || principal === null) return undefined;
  const { kind, id } = principal;
  if (kind !== 'replica' && kind !== 'client') return undefined;
  if (!Number.isInteger(id) || id < 0 || id > MAX_PRINCIPAL_ID) return undefined;
  const out = new Uint8Array(PRINCIPAL_BYTES);
  out[0] = kind === 'replica' ? 0 : 1;
  new DataView(out.buffer).setUint32(1, id);
  return out;
}

/** OR of the XORs over every byte, no early exit: the time does not say where tags differ. */
function constantTimeEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let index = 0; index < left.length; index++) difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  return difference === 0;
}
