// The building blocks of PBFT's MAC mode: HMAC-SHA256 and X25519 in every backend, and
// the pairwise session keys and authenticators built on them (src/crypto/session-keys.ts).

import { createHmac } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createFastestCrypto,
  createNativeCrypto,
  createNobleCrypto,
  createSodiumCrypto,
  deriveSecretKey,
  MAC_TAG_BYTES,
  SessionKeys,
  type Crypto,
  type KeyPair,
  type Principal,
} from '../../src/crypto/index.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

const BACKENDS: ReadonlyArray<readonly [string, Crypto]> = [
  ['noble', createNobleCrypto()],
  ['native', createNativeCrypto()],
  ['sodium', createSodiumCrypto()],
];

/** Every backend's answer for the same call, as hex (undefined stays undefined). */
function answers(call: (crypto: Crypto) => Uint8Array | undefined): Array<string | undefined> {
  return BACKENDS.map(([, crypto]) => toHex(call(crypto)));
}

const seedArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('hmacSha256', () => {
  // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
  it.each(BACKENDS)('%s: RFC 4231 test case 2', (_name, crypto) => {
    expect(toHex(crypto.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  // RFC 4231 §4.7: a 131-byte key, longer than SHA-256's block, is hashed first.
  it.each(BACKENDS)('%s: RFC 4231 test case 6', (_name, crypto) => {
    expect(toHex(crypto.hmacSha256(new Uint8Array(131).fill(0xaa), utf8('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('the three backends give the same MAC on random keys and data (empty ones too)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 300 }), (key, data) => {
        const [first, ...rest] = answers((crypto) => crypto.hmacSha256(key, data));
        expect(first).toHaveLength(64);
        for (const other of rest) expect(other).toBe(first);
      }),
      { numRuns: 50 },
    );
  });

  // sodium.ts keeps each key's pad states by the key's buffer: a key changed in place must
  // not be served the old key's states.
  it.each(BACKENDS)('%s: a key changed in place MACs as the new key, the same buffer reused', (_name, crypto) => {
    const key = new Uint8Array(32).fill(1);
    const data = utf8('request bytes');
    const before = toHex(crypto.hmacSha256(key, data));
    key[31] = 2;
    const after = toHex(crypto.hmacSha256(key, data));
    expect(after).not.toBe(before);
    expect(after).toBe(toHex(crypto.hmacSha256(Uint8Array.from(key), data)));
    expect(after).toBe(createHmac('sha256', key).update(data).digest('hex'));
  });

  it.each(BACKENDS)('%s: a key or data that is not bytes throws, naming it', (_name, crypto) => {
    expect(() => crypto.hmacSha256('key' as unknown as Uint8Array, utf8('x'))).toThrow(/key/);
    expect(() => crypto.hmacSha256(utf8('key'), null as unknown as Uint8Array)).toThrow(/data/);
  });
});

describe('sharedSecret', () => {
  it('both sides get the same 32 bytes, and all three backends agree (random seeds)', () => {
    fc.assert(
      fc.property(seedArbitrary, seedArbitrary, (seedA, seedB) => {
        const fromA = answers((crypto) => crypto.sharedSecret(crypto.keyPair(seedA), crypto.keyPair(seedB).publicKey));
        const fromB = answers((crypto) => crypto.sharedSecret(crypto.keyPair(seedB), crypto.keyPair(seedA).publicKey));
        expect(fromA[0]).toHaveLength(64);
        expect(fromA[0]).not.toBe('00'.repeat(32));
        for (const answer of [...fromA, ...fromB]) expect(answer).toBe(fromA[0]);
      }),
      { numRuns: 50 },
    );
  });

  it('is X25519 of the Montgomery forms: the same as @noble/curves on the converted keys', () => {
    const a = createNobleCrypto().keyPair(deriveSecretKey('x25519', 'replica', 0));
    const b = createNobleCrypto().keyPair(deriveSecretKey('x25519', 'replica', 1));
    const expected = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(a.secretKey), ed25519.utils.toMontgomery(b.publicKey));
    expect(answers((crypto) => crypto.sharedSecret(a, b.publicKey))).toEqual([toHex(expected), toHex(expected), toHex(expected)]);
  });

  it('the three backends give the same verdict on arbitrary 32 bytes as a peer key', () => {
    const keyPair = createNobleCrypto().keyPair(deriveSecretKey('x25519', 'replica', 0));
    fc.assert(
      fc.property(seedArbitrary, (peerPublicKey) => {
        const [first, ...rest] = answers((crypto) => crypto.sharedSecret(keyPair, peerPublicKey));
        for (const other of rest) expect(other).toBe(first);
      }),
      { numRuns: 50 },
    );
  });

  const order8 = ed25519.Point.fromBytes(hex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
  const honest = createNobleCrypto().keyPair(deriveSecretKey('x25519', 'client', 3)).publicKey;
  const INVALID_PEER_KEYS: ReadonlyArray<readonly [string, unknown]> = [
    ['31 bytes', new Uint8Array(31).fill(9)],
    ['33 bytes', new Uint8Array(33).fill(9)],
    ['no bytes', new Uint8Array(0)],
    ['a string', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'],
    ['null', null],
    ['all zero (y = 0, order 4)', new Uint8Array(32)],
    ['the identity (y = 1)', hex('01' + '00'.repeat(31))],
    ['the identity with the sign bit set', hex('01' + '00'.repeat(30) + '80')],
    ['y = p - 1 (order 2)', hex('ec' + 'ff'.repeat(30) + '7f')],
    ['an order-8 point', hex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')],
    ['the other order-8 y', hex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')],
    ['y = 2, which decodes to no point', hex('02' + '00'.repeat(31))],
    ['y = p + 3, a non-canonical encoding', hex('f0' + 'ff'.repeat(30) + '7f')],
    ['y = 3, a point with torsion', hex('03' + '00'.repeat(31))],
    ['an honest key plus an order-8 point (mixed order)', ed25519.Point.fromBytes(honest).add(order8).toBytes()],
    // libsodium's own conversion accepts this one: its subgroup test only asks that [L]P has x = 0.
    ['an honest key plus the order-2 point (0, -1)', ed25519.Point.fromBytes(honest).add(order8.multiply(4n)).toBytes()],
    ['all ones (y >= p)', new Uint8Array(32).fill(0xff)],
  ];

  it.each(INVALID_PEER_KEYS)('every backend answers undefined, without throwing, for %s', (_name, peerPublicKey) => {
    const keyPair = createNobleCrypto().keyPair(deriveSecretKey('x25519', 'replica', 0));
    expect(answers((crypto) => crypto.sharedSecret(keyPair, peerPublicKey as Uint8Array))).toEqual([undefined, undefined, undefined]);
  });

  it('the honest key the mixed-order case starts from is accepted, and so is its negation (another prime-order point)', () => {
    const keyPair = createNobleCrypto().keyPair(deriveSecretKey('x25519', 'replica', 0));
    for (const peerPublicKey of [honest, ed25519.Point.fromBytes(honest).negate().toBytes()]) {
      const [first, ...rest] = answers((crypto) => crypto.sharedSecret(keyPair, peerPublicKey));
      expect(first).toHaveLength(64);
      for (const other of rest) expect(other).toBe(first);
    }
  });

  it.each(BACKENDS)('%s: a malformed own key pair throws, naming it', (_name, crypto) => {
    expect(() => crypto.sharedSecret({ secretKey: new Uint8Array(31), publicKey: honest }, honest)).toThrow(/keyPair\.secretKey/);
  });
});

// Principals of one small cluster; each has a key pair and a public key everyone knows.
const REPLICA_0: Principal = { kind: 'replica', id: 0 };
const REPLICA_1: Principal = { kind: 'replica', id: 1 };
const CLIENT_7: Principal = { kind: 'client', id: 7 };
const UNKNOWN_CLIENT: Principal = { kind: 'client', id: 99 };
const DOMAIN = utf8('cluster-test');
const crypto = createFastestCrypto();
const keyPairOf = (principal: Principal): KeyPair => crypto.keyPair(deriveSecretKey('session-keys', principal.kind, principal.id));
const KNOWN = [REPLICA_0, REPLICA_1, CLIENT_7];
const publicKeyOf = (principal: Principal): Uint8Array | undefined =>
  KNOWN.some((known) => known.kind === principal.kind && known.id === principal.id) ? keyPairOf(principal).publicKey : undefined;

function keysOf(self: Principal, overrides: { crypto?: Crypto; domain?: Uint8Array; capacity?: number; publicKeyOf?: (p: Principal) => Uint8Array | undefined } = {}): SessionKeys {
  return new SessionKeys({
    crypto: overrides.crypto ?? crypto,
    self,
    keyPair: keyPairOf(self),
    publicKeyOf: overrides.publicKeyOf ?? publicKeyOf,
    domain: overrides.domain ?? DOMAIN,
    ...(overrides.capacity === undefined ? {} : { capacity: overrides.capacity }),
  });
}

describe('SessionKeys: pairwise keys', () => {
  const a = keysOf(REPLICA_0);
  const b = keysOf(REPLICA_1);
  const c = keysOf(CLIENT_7);

  it("a's key to b is b's key from a, and b's key to a is a's key from b", () => {
    expect(toHex(a.keyTo(REPLICA_1))).toHaveLength(64);
    expect(toHex(a.keyTo(REPLICA_1))).toBe(toHex(b.keyFrom(REPLICA_0)));
    expect(toHex(b.keyTo(REPLICA_0))).toBe(toHex(a.keyFrom(REPLICA_1)));
  });

  it('the two directions of a pair have different keys', () => {
    expect(toHex(a.keyTo(REPLICA_1))).not.toBe(toHex(a.keyFrom(REPLICA_1)));
  });

  it('is HKDF-SHA256(X25519(a, b), salt = domain, info = "pancydb/mac/v1" ‖ kind ‖ id ‖ kind ‖ id), computed independently', () => {
    const secret = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(keyPairOf(REPLICA_0).secretKey), ed25519.utils.toMontgomery(keyPairOf(CLIENT_7).publicKey));
    const info = new Uint8Array([...utf8('pancydb/mac/v1'), 0, 0, 0, 0, 0, 1, 0, 0, 0, 7]);
    expect(toHex(a.keyTo(CLIENT_7))).toBe(toHex(hkdf(sha256, secret, DOMAIN, info, 32)));
  });

  it('keys of the pair (a, b) differ from those of (a, c) and (b, c)', () => {
    const pairAB = [a.keyTo(REPLICA_1), a.keyFrom(REPLICA_1)].map(toHex);
    const others = [a.keyTo(CLIENT_7), a.keyFrom(CLIENT_7), b.keyTo(CLIENT_7), b.keyFrom(CLIENT_7)].map(toHex);
    expect(new Set([...pairAB, ...others]).size).toBe(6);
  });

  it("a third principal c computing its key from a gets another key than b's key from a", () => {
    expect(toHex(c.keyFrom(REPLICA_0))).not.toBe(toHex(b.keyFrom(REPLICA_0)));
    expect(toHex(c.keyFrom(REPLICA_0))).not.toBe(toHex(a.keyTo(REPLICA_1)));
  });

  it('different domains give different keys for the same pair', () => {
    const otherCluster = keysOf(REPLICA_0, { domain: utf8('cluster-other') });
    expect(toHex(otherCluster.keyTo(REPLICA_1))).not.toBe(toHex(a.keyTo(REPLICA_1)));
  });

  it.each(BACKENDS)('a on the %s backend and b on the fastest one agree on their keys', (_name, backend) => {
    const aElsewhere = keysOf(REPLICA_0, { crypto: backend });
    expect(toHex(aElsewhere.keyTo(REPLICA_1))).toBe(toHex(b.keyFrom(REPLICA_0)));
    expect(toHex(aElsewhere.keyFrom(REPLICA_1))).toBe(toHex(b.keyTo(REPLICA_0)));
  });

  it('no key for a principal without a public key, or for a malformed sender', () => {
    expect(a.keyTo(UNKNOWN_CLIENT)).toBeUndefined();
    expect(a.keyFrom(UNKNOWN_CLIENT)).toBeUndefined();
    for (const sender of [{ kind: 'primary', id: 1 }, { kind: 'client', id: -1 }, { kind: 'client', id: 2 ** 32 }, { kind: 'client', id: 1.5 }, null]) {
      expect(a.keyFrom(sender as Principal)).toBeUndefined();
    }
  });

  it('a malformed receiver throws, naming it (receivers are ours to name)', () => {
    expect(() => a.keyTo({ kind: 'client', id: -1 })).toThrow(/receiver/);
    expect(() => a.tag({ kind: 'primary' as 'client', id: 0 }, utf8('x'))).toThrow(/receiver/);
  });

  it('a principal whose public key changes gets keys for its new key', () => {
    let clientKey = keyPairOf(CLIENT_7).publicKey;
    const replica = keysOf(REPLICA_0, { publicKeyOf: (principal) => (principal.kind === 'client' ? clientKey : publicKeyOf(principal)) });
    const before = toHex(replica.keyFrom(CLIENT_7));
    clientKey = keyPairOf({ kind: 'client', id: 8 }).publicKey;
    expect(toHex(replica.keyFrom(CLIENT_7))).not.toBe(before);
  });

  it('the constructor refuses bad options, naming the argument', () => {
    const options = { crypto, self: REPLICA_0, keyPair: keyPairOf(REPLICA_0), publicKeyOf, domain: DOMAIN };
    expect(() => new SessionKeys({ ...options, self: { kind: 'replica', id: -1 } })).toThrow(/self/);
    expect(() => new SessionKeys({ ...options, domain: 'x' as unknown as Uint8Array })).toThrow(/domain/);
    expect(() => new SessionKeys({ ...options, crypto: {} as Crypto })).toThrow(/crypto/);
    expect(() => new SessionKeys({ ...options, publicKeyOf: undefined as unknown as () => undefined })).toThrow(/publicKeyOf/);
    expect(() => new SessionKeys({ ...options, capacity: 0 })).toThrow(/capacity/);
  });
});

describe('SessionKeys: tags and authenticators', () => {
  const a = keysOf(REPLICA_0);
  const b = keysOf(REPLICA_1);
  const c = keysOf(CLIENT_7);
  const bytes = utf8('prepare v=0 n=1 d=…');

  it(`a tag is ${MAC_TAG_BYTES} bytes, the truncated HMAC under the key to the receiver, and verifies at the receiver`, () => {
    const tag = a.tag(REPLICA_1, bytes);
    expect(tag).toHaveLength(MAC_TAG_BYTES);
    expect(toHex(tag)).toBe(toHex(crypto.hmacSha256(a.keyTo(REPLICA_1)!, bytes).subarray(0, MAC_TAG_BYTES)));
    expect(b.verifyTag(REPLICA_0, bytes, tag)).toBe(true);
  });

  it('one flipped bit in the bytes or in the tag fails', () => {
    const tag = a.tag(REPLICA_1, bytes);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length * 8 - 1 }), fc.nat({ max: MAC_TAG_BYTES * 8 - 1 }), (bytesBit, tagBit) => {
        expect(b.verifyTag(REPLICA_0, flipBit(bytes, bytesBit), tag)).toBe(false);
        expect(b.verifyTag(REPLICA_0, bytes, flipBit(tag, tagBit))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('a tag of the wrong length fails, even when it starts with the right tag', () => {
    const full = crypto.hmacSha256(a.keyTo(REPLICA_1)!, bytes);
    for (const length of [0, MAC_TAG_BYTES - 1, MAC_TAG_BYTES + 1, 32]) {
      expect(b.verifyTag(REPLICA_0, bytes, full.slice(0, length))).toBe(false);
    }
  });

  it('a tag does not verify as coming from another sender, nor reflected back to its sender', () => {
    const tag = a.tag(REPLICA_1, bytes);
    expect(b.verifyTag(CLIENT_7, bytes, tag)).toBe(false);
    expect(c.verifyTag(REPLICA_0, bytes, tag)).toBe(false);
    expect(a.verifyTag(REPLICA_1, bytes, tag)).toBe(false);
  });

  it('an unknown or malformed sender fails without throwing, as do inputs that are not bytes', () => {
    expect(b.verifyTag(UNKNOWN_CLIENT, bytes, new Uint8Array(MAC_TAG_BYTES))).toBe(false);
    expect(b.verifyTag({ kind: 'client', id: -1 }, bytes, new Uint8Array(MAC_TAG_BYTES))).toBe(false);
    expect(b.verifyTag(null as unknown as Principal, bytes, new Uint8Array(MAC_TAG_BYTES))).toBe(false);
    expect(b.verifyTag(REPLICA_0, 'bytes' as unknown as Uint8Array, a.tag(REPLICA_1, bytes))).toBe(false);
    expect(b.verifyTag(REPLICA_0, bytes, undefined as unknown as Uint8Array)).toBe(false);
  });

  it('a tag to a principal without a key is all zero, and all zero never verifies', () => {
    expect(toHex(a.tag(UNKNOWN_CLIENT, bytes))).toBe('00'.repeat(MAC_TAG_BYTES));
    expect(b.verifyTag(REPLICA_0, bytes, new Uint8Array(MAC_TAG_BYTES))).toBe(false);
  });

  it("an authenticator holds one tag per receiver, in order: each receiver's slice verifies there and only there", () => {
    const receivers = [REPLICA_0, REPLICA_1, CLIENT_7];
    const verifiers = [a, b, c];
    const authenticator = c.authenticator(receivers, bytes);
    expect(authenticator).toHaveLength(receivers.length * MAC_TAG_BYTES);
    receivers.forEach((_receiver, slot) => {
      const tag = authenticator.subarray(slot * MAC_TAG_BYTES, (slot + 1) * MAC_TAG_BYTES);
      verifiers.forEach((verifier, index) => expect(verifier.verifyTag(CLIENT_7, bytes, tag)).toBe(index === slot));
    });
  });
});

describe('SessionKeys: memory stays bounded', () => {
  it('after keys for 10,000 distinct client ids the cache holds at most its capacity, and an evicted key derives again the same', () => {
    const capacity = 4096;
    const clientKeys = [1, 2, 3, 4].map((id) => keyPairOf({ kind: 'client', id }).publicKey);
    const replica = keysOf(REPLICA_0, { capacity, publicKeyOf: (principal) => (principal.kind === 'client' ? clientKeys[principal.id % 4] : undefined) });
    const first = toHex(replica.keyFrom({ kind: 'client', id: 0 }));
    for (let id = 1; id < 10_000; id++) {
      expect(replica.keyFrom({ kind: 'client', id })).toHaveLength(32);
      expect(replica.size).toBeLessThanOrEqual(capacity);
    }
    expect(replica.size).toBe(capacity);
    expect(toHex(replica.keyFrom({ kind: 'client', id: 0 }))).toBe(first);
  });

  it('ids without a key are not cached at all', () => {
    const replica = keysOf(REPLICA_0);
    for (let id = 1000; id < 2000; id++) expect(replica.verifyTag({ kind: 'client', id }, utf8('x'), new Uint8Array(MAC_TAG_BYTES))).toBe(false);
    expect(replica.size).toBe(0);
  });
});
