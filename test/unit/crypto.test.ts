import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import * as ed from '@noble/ed25519';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  createCrypto,
  createNativeCrypto,
  createNobleCrypto,
  createSodiumCrypto,
  deriveSecretKey,
  sodiumLoaded,
  memoizeVerify,
  withTiming,
  type Crypto,
  type KeyPair,
} from '../../src/crypto/index.ts';
import { retainedBytes } from '../support/heap.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = (copy[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  return copy;
}

function fromLittleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]!);
  return value;
}

function littleEndian32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let index = 0; index < 32; index++) out[index] = Number((value >> BigInt(8 * index)) & 0xffn);
  return out;
}

// RFC 8032 §7.1, Ed25519 TEST 1, 2 and 3.
const RFC8032_VECTORS = [
  {
    name: 'TEST 1 (empty message)',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
] as const;

const TEST_1 = RFC8032_VECTORS[0];
const TEST_2 = RFC8032_VECTORS[1];
const TEST_3 = RFC8032_VECTORS[2];

// Encodings of the 8 small-order points (libsodium's blocklist), plus non-canonical
// encodings of y=0 and y=1 (y+p), which decode to small-order points too.
const SMALL_ORDER_PUBLIC_KEYS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

/** Signatures (R = [s]B, S = s) that verify under a small-order key A whenever [k]A = 0. */
function forgeriesForSmallOrderKey(): Uint8Array[] {
  const forgeries = [new Uint8Array(64)];
  for (let scalar = 1n; scalar <= 16n; scalar++) {
    const r = ed.Point.BASE.multiply(scalar).toBytes();
    forgeries.push(Uint8Array.from([...r, ...littleEndian32(scalar)]));
  }
  return forgeries;
}

/** OpenSSL with no extra key checks: what native.ts would accept without its blocklist. */
function rawOpensslVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  return opensslVerify(null, message, key, signature);
}

const BACKENDS: ReadonlyArray<readonly [string, () => Crypto]> = [
  ['noble', createNobleCrypto],
  ['native', createNativeCrypto],
  ['sodium', createSodiumCrypto],
];

describe.each(BACKENDS)('crypto backend %s', (backendName, createBackend) => {
  const crypto = createBackend();

  it(`reports its name as '${backendName}'`, () => {
    expect(crypto.name).toBe(backendName);
  });

  describe.each(RFC8032_VECTORS)('RFC 8032 §7.1 $name', (vector) => {
    it('derives the public key from the secret seed', () => {
      expect(toHex(crypto.keyPair(hex(vector.secretKey)).publicKey)).toBe(vector.publicKey);
    });
    it('signs to exactly the published signature', () => {
      const keyPair = crypto.keyPair(hex(vector.secretKey));
      expect(toHex(crypto.sign(keyPair, hex(vector.message)))).toBe(vector.signature);
    });
    it('accepts the published signature', () => {
      expect(crypto.verify(hex(vector.publicKey), hex(vector.message), hex(vector.signature))).toBe(true);
    });
  });

  it('sha256: "abc" and "" match FIPS 180-2 vectors', () => {
    expect(toHex(crypto.sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(toHex(crypto.sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('rejects the signature with any one of its 512 bits flipped', () => {
    const publicKey = hex(TEST_3.publicKey);
    const message = hex(TEST_3.message);
    const signature = hex(TEST_3.signature);
    const accepted: number[] = [];
    for (let bit = 0; bit < 512; bit++) {
      if (crypto.verify(publicKey, message, flipBit(signature, bit))) accepted.push(bit);
    }
    expect(accepted).toEqual([]);
  });

  it('rejects a tampered message: any bit flipped, a byte appended, a byte dropped', () => {
    const publicKey = hex(TEST_3.publicKey);
    const message = hex(TEST_3.message);
    const signature = hex(TEST_3.signature);
    for (let bit = 0; bit < message.length * 8; bit++) {
      expect(crypto.verify(publicKey, flipBit(message, bit), signature)).toBe(false);
    }
    expect(crypto.verify(publicKey, Uint8Array.from([...message, 0]), signature)).toBe(false);
    expect(crypto.verify(publicKey, message.subarray(1), signature)).toBe(false);
  });

  it("rejects a valid signature under someone else's public key", () => {
    expect(crypto.verify(hex(TEST_2.publicKey), hex(TEST_1.message), hex(TEST_1.signature))).toBe(false);
  });

  it('rejects a malleated signature (S + L instead of S) without throwing', () => {
    const signature = hex(TEST_1.signature);
    const s = BigInt('0x' + toHex(signature.slice(32).reverse()));
    const groupOrder = 2n ** 252n + 27742317777372353535851937790883648493n;
    const malleated = Uint8Array.from([...signature.slice(0, 32), ...littleEndian32(s + groupOrder)]);
    expect(crypto.verify(hex(TEST_1.publicKey), hex(TEST_1.message), malleated)).toBe(false);
  });

  it('returns false, never throws, for inputs of the wrong length or type', () => {
    const publicKey = hex(TEST_1.publicKey);
    const message = hex(TEST_1.message);
    const signature = hex(TEST_1.signature);
    for (const length of [0, 31, 33, 64]) {
      expect(crypto.verify(new Uint8Array(length), message, signature)).toBe(false);
    }
    for (const length of [0, 32, 63, 65, 128]) {
      expect(crypto.verify(publicKey, message, new Uint8Array(length))).toBe(false);
    }
    expect(crypto.verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
    const junk = [undefined, null, 'd75a98', 42, {}, [1, 2, 3]] as unknown as Uint8Array[];
    for (const value of junk) {
      expect(crypto.verify(value, message, signature)).toBe(false);
      expect(crypto.verify(publicKey, value, signature)).toBe(false);
      expect(crypto.verify(publicKey, message, value)).toBe(false);
    }
  });

  it('rejects forged signatures under small-order and non-canonical public keys (all-zero key included)', () => {
    const message = utf8('pre-prepare v=0 n=1');
    let opensslAlone = 0;
    for (const publicKeyHex of SMALL_ORDER_PUBLIC_KEYS) {
      for (const forgery of forgeriesForSmallOrderKey()) {
        expect(crypto.verify(hex(publicKeyHex), message, forgery), publicKeyHex).toBe(false);
        if (rawOpensslVerify(hex(publicKeyHex), message, forgery)) opensslAlone++;
      }
    }
    // The forgeries are real: plain OpenSSL accepts some of them, so this test would
    // fail if native.ts lost its small-order key check.
    expect(opensslAlone).toBeGreaterThan(0);
  });

  it('rejects a public key that is not a curve point', () => {
    // y = 2 has no x on edwards25519 (noble's decoder throws "y not sqrt" for it).
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    expect(() => ed.Point.fromBytes(notAPoint)).toThrow();
    expect(crypto.verify(notAPoint, hex(TEST_1.message), hex(TEST_1.signature))).toBe(false);
  });

  it('checks arguments at the boundary, naming the argument', () => {
    const keyPair = crypto.keyPair(hex(TEST_1.secretKey));
    expect(() => crypto.keyPair(new Uint8Array(31))).toThrow(/secretKey/);
    expect(() => crypto.keyPair(new Uint8Array(64))).toThrow(/secretKey/);
    expect(() => crypto.keyPair('00' as unknown as Uint8Array)).toThrow(/secretKey/);
    expect(() => crypto.sign(keyPair, 'abc' as unknown as Uint8Array)).toThrow(/message/);
    expect(() => crypto.sign({ secretKey: new Uint8Array(5), publicKey: keyPair.publicKey }, utf8('m'))).toThrow(
      /keyPair\.secretKey/,
    );
    expect(() => crypto.sign(null as unknown as KeyPair, utf8('m'))).toThrow(/keyPair/);
    expect(() => crypto.sha256('abc' as unknown as Uint8Array)).toThrow(/data/);
  });

  it('keyPair copies the seed: later writes to the caller buffer change nothing', () => {
    const seed = hex(TEST_1.secretKey);
    const keyPair = crypto.keyPair(seed);
    seed.fill(7);
    expect(toHex(keyPair.secretKey)).toBe(TEST_1.secretKey);
    expect(toHex(crypto.sign(keyPair, hex(TEST_1.message)))).toBe(TEST_1.signature);
  });

  it('signs with the current bytes of keyPair.secretKey, even if they were overwritten in place', () => {
    const keyPair = crypto.keyPair(hex(TEST_1.secretKey));
    crypto.sign(keyPair, hex(TEST_2.message)); // warms any key cache
    keyPair.secretKey.set(hex(TEST_2.secretKey));
    expect(toHex(crypto.sign(keyPair, hex(TEST_2.message)))).toBe(TEST_2.signature);
  });

  it('signs a KeyPair built by hand (not by this backend)', () => {
    const keyPair: KeyPair = { secretKey: hex(TEST_3.secretKey), publicKey: hex(TEST_3.publicKey) };
    expect(toHex(crypto.sign(keyPair, hex(TEST_3.message)))).toBe(TEST_3.signature);
  });
});

describe('native backend: public key cache', () => {
  it('still answers correctly after more distinct keys than the cache holds (4096)', () => {
    const crypto = createNativeCrypto();
    const message = utf8('commit v=0 n=7');
    const first = crypto.keyPair(deriveSecretKey('cache', 'client', 0));
    const firstSignature = crypto.sign(first, message);
    expect(crypto.verify(first.publicKey, message, firstSignature)).toBe(true);
    const other = crypto.keyPair(deriveSecretKey('cache', 'client', 1));
    const otherSignature = crypto.sign(other, message);
    for (let index = 0; index < 5000; index++) {
      // Fill the cache with distinct keys (the signature is not theirs, so false).
      const publicKey = new Uint8Array(32);
      new DataView(publicKey.buffer).setUint32(4, index + 1);
      publicKey[0] = 9;
      expect(crypto.verify(publicKey, message, firstSignature)).toBe(false);
    }
    expect(crypto.verify(first.publicKey, message, firstSignature)).toBe(true);
    expect(crypto.verify(first.publicKey, message, otherSignature)).toBe(false);
    expect(crypto.verify(other.publicKey, message, otherSignature)).toBe(true);
  });
});

describe('the sodium backend gives OpenSSL\'s verdict where libsodium alone refuses', () => {
  // R = identity, S = k·a: [S]B - [k]A = identity, whose encoding is R. OpenSSL (and
  // noble strict) accept it; libsodium refuses every small-order R. A signer needs its
  // secret key a for this, so it is no forgery, but a cluster mixing backends must not
  // split on it: sodium.ts asks OpenSSL when R is small order.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const seed = hex(TEST_1.secretKey);
  const { scalar, pointBytes: publicKey } = ed.utils.getExtendedPublicKey(seed);
  const message = utf8('pre-prepare v=0 n=1');
  const identity = hex('01' + '00'.repeat(31));
  const k = fromLittleEndian(sha512(Uint8Array.from([...identity, ...publicKey, ...message]))) % L;
  const signature = Uint8Array.from([...identity, ...littleEndian32((k * scalar) % L)]);

  it('plain libsodium refuses it and plain OpenSSL accepts it (the case is real)', () => {
    const sodium = createRequire(import.meta.url)('sodium-native') as typeof import('sodium-native');
    expect(sodium.crypto_sign_verify_detached(Buffer.from(signature), Buffer.from(message), Buffer.from(publicKey))).toBe(false);
    expect(rawOpensslVerify(publicKey, message, signature)).toBe(true);
  });

  it("the load-time known answer of sodium.ts is a signature only the cofactored equation accepts, and this platform's libsodium refuses it", () => {
    // Seed 32 × 0x2a; R = rB + T, T of order 8. Were libsodium ever built cofactored, it
    // would accept this, sodium.ts would report itself not loaded, and this test would fail.
    const knownAnswer = { publicKey: hex('197f6b23e16c8532c6abc838facd5ea789be0c76b2920334039bfa8b3d368d61'), message: utf8('pancydb-bft known answer') };
    const torsionR = hex('1dd960b291c53514fece1341fc0dcd8a648b3934c2c533666f737a654ff1e1bfde861a3fbac06a32f307c583cdbacafa8f67f693312ea46d8e56ff0eeab0c50d');
    expect(toHex(createNativeCrypto().keyPair(new Uint8Array(32).fill(0x2a)).publicKey)).toBe(toHex(knownAnswer.publicKey));
    expect(createNobleCrypto().verify(knownAnswer.publicKey, knownAnswer.message, torsionR)).toBe(true);
    expect(createNativeCrypto().verify(knownAnswer.publicKey, knownAnswer.message, torsionR)).toBe(false);
    expect(createSodiumCrypto().verify(knownAnswer.publicKey, knownAnswer.message, torsionR)).toBe(false);
    expect(sodiumLoaded).toBe(true);
  });

  it('every backend accepts it, and rejects it for another message', () => {
    for (const [, create] of BACKENDS) {
      expect(create().verify(publicKey, message, signature)).toBe(true);
      expect(create().verify(publicKey, utf8('pre-prepare v=0 n=2'), signature)).toBe(false);
    }
  });
});

describe('createCrypto', () => {
  it("builds the backend named 'noble', 'native' or 'sodium'", () => {
    expect(createCrypto('noble').name).toBe('noble');
    expect(createCrypto('native').name).toBe('native');
    expect(createCrypto('sodium').name).toBe('sodium');
  });
  it('throws an error naming the argument for an unknown backend', () => {
    expect(() => createCrypto('openssl' as 'native')).toThrow(/backend.*openssl/);
  });
});

describe('deriveSecretKey', () => {
  it('is SHA-256 of length-prefixed ("pancydb-bft/key/v1", seed, role, id)', () => {
    const fields = ['pancydb-bft/key/v1', '42', 'replica', '3'].map(utf8);
    const encoding = fields.flatMap((field) => [0, 0, 0, field.length, ...field]);
    expect(toHex(deriveSecretKey(42, 'replica', 3))).toBe(toHex(nobleSha256(Uint8Array.from(encoding))));
  });

  it('is deterministic: the same inputs give the same 32 bytes', () => {
    const first = deriveSecretKey('seed-7', 'client', 12);
    expect(first.length).toBe(32);
    expect(toHex(deriveSecretKey('seed-7', 'client', 12))).toBe(toHex(first));
  });

  it('treats a numeric seed like its decimal string', () => {
    expect(toHex(deriveSecretKey(7, 'replica', 0))).toBe(toHex(deriveSecretKey('7', 'replica', 0)));
  });

  it('differs across seeds, roles and ids', () => {
    const keys = new Set<string>();
    for (const seed of [0, 1, 2, 'a', 'ab', '1 ', '']) {
      for (const role of ['replica', 'client'] as const) {
        for (let id = 0; id < 10; id++) keys.add(toHex(deriveSecretKey(seed, role, id)));
      }
    }
    expect(keys.size).toBe(7 * 2 * 10);
  });

  it('rejects bad arguments, naming each', () => {
    expect(() => deriveSecretKey(Number.NaN, 'replica', 0)).toThrow(/runSeed/);
    expect(() => deriveSecretKey({} as unknown as string, 'replica', 0)).toThrow(/runSeed/);
    expect(() => deriveSecretKey(1, 'primary' as 'replica', 0)).toThrow(/role/);
    expect(() => deriveSecretKey(1, 'replica', -1)).toThrow(/id/);
    expect(() => deriveSecretKey(1, 'replica', 1.5)).toThrow(/id/);
  });
});

/** The real backend the fakes below delegate to for the calls they do not fake. */
const realCrypto = createNobleCrypto();

/** A fake backend whose verify answers from a script and counts its calls. */
function scriptedVerifier(answers: (callIndex: number) => boolean): Crypto & { verifyCalls: number } {
  const fake = {
    name: 'fake',
    verifyCalls: 0,
    keyPair: (secretKey: Uint8Array): KeyPair => ({ secretKey, publicKey: secretKey }),
    sign: (): Uint8Array => new Uint8Array(64),
    // A real SHA-256: the memo keys its entries by one.
    sha256: (data: Uint8Array): Uint8Array => nobleSha256(data),
    verify: (): boolean => answers(fake.verifyCalls++),
    hmacSha256: (key: Uint8Array, data: Uint8Array): Uint8Array => realCrypto.hmacSha256(key, data),
    sharedSecret: (keyPair: KeyPair, peerPublicKey: Uint8Array): Uint8Array | undefined => realCrypto.sharedSecret(keyPair, peerPublicKey),
  };
  return fake;
}

describe('memoizeVerify', () => {
  const publicKey = new Uint8Array(32).fill(1);
  const message = utf8('prepare v=0 n=1 d=…');
  const signature = new Uint8Array(64).fill(2);

  it('answers a repeated identical triple from the cache with the first answer', () => {
    const inner = scriptedVerifier((call) => call === 0); // true once, then false
    const memo = memoizeVerify(inner);
    expect(memo.verify(publicKey, message, signature)).toBe(true);
    expect(memo.verify(publicKey.slice(), message.slice(), signature.slice())).toBe(true);
    expect(inner.verifyCalls).toBe(1);
    expect(memo.stats).toEqual({ hits: 1, misses: 1, evictions: 0 });
  });

  it.each([
    ['public key', 0],
    ['message', 1],
    ['signature', 2],
  ] as const)('does not serve a triple whose %s differs in one byte', (_field, fieldIndex) => {
    const inner = scriptedVerifier((call) => call === 0); // a "wrong" inner: only the first call says true
    const memo = memoizeVerify(inner);
    expect(memo.verify(publicKey, message, signature)).toBe(true);
    const triple = [publicKey.slice(), message.slice(), signature.slice()] as const;
    const changed = triple[fieldIndex];
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 0x01;
    expect(memo.verify(triple[0], triple[1], triple[2])).toBe(false);
    expect(inner.verifyCalls).toBe(2);
  });

  it('does not serve a message of a different length that shares a prefix', () => {
    const inner = scriptedVerifier((call) => call === 0);
    const memo = memoizeVerify(inner);
    memo.verify(publicKey, message, signature);
    expect(memo.verify(publicKey, Uint8Array.from([...message, 0]), signature)).toBe(false);
    expect(memo.verify(publicKey, message.subarray(0, message.length - 1), signature)).toBe(false);
    expect(inner.verifyCalls).toBe(3);
  });

  it('keeps its own copy: a caller overwriting its buffer after verify gets a fresh verify', () => {
    const inner = scriptedVerifier((call) => call === 0);
    const memo = memoizeVerify(inner);
    const reusedBuffer = message.slice();
    expect(memo.verify(publicKey, reusedBuffer, signature)).toBe(true);
    reusedBuffer[0] = (reusedBuffer[0] ?? 0) ^ 0xff;
    expect(memo.verify(publicKey, reusedBuffer, signature)).toBe(false);
    expect(inner.verifyCalls).toBe(2);
  });

  it('never holds more than capacity entries, evicting the least recently used', () => {
    const inner = scriptedVerifier(() => true);
    const memo = memoizeVerify(inner, 8);
    const signatureNumber = (index: number): Uint8Array => {
      const bytes = new Uint8Array(64);
      new DataView(bytes.buffer).setUint32(0, index);
      return bytes;
    };
    for (let index = 0; index < 1000; index++) {
      memo.verify(publicKey, message, signatureNumber(index));
      // Keep signature 0 recently used, so LRU must keep it while FIFO would drop it.
      memo.verify(publicKey, message, signatureNumber(0));
      expect(memo.size()).toBeLessThanOrEqual(8);
    }
    expect(memo.size()).toBe(8);
    expect(memo.stats.evictions).toBe(1000 - 8);
    const callsBefore = inner.verifyCalls;
    memo.verify(publicKey, message, signatureNumber(0)); // kept by LRU
    memo.verify(publicKey, message, signatureNumber(999)); // newest
    expect(inner.verifyCalls).toBe(callsBefore);
    memo.verify(publicKey, message, signatureNumber(1)); // evicted long ago
    expect(inner.verifyCalls).toBe(callsBefore + 1);
  });

  it('keeps no copy of what it verified: a full cache of 500 distinct 100 KB messages takes a small constant per entry', () => {
    const inner = scriptedVerifier(() => false);
    const memo = memoizeVerify(inner, 500);
    const retained = retainedBytes(() => {
      for (let index = 0; index < 1000; index++) {
        const large = new Uint8Array(100 * 1024);
        new DataView(large.buffer).setUint32(0, index);
        memo.verify(publicKey, large, signature);
      }
    });
    expect(memo.size()).toBe(500);
    expect(memo.stats.evictions).toBe(500);
    // 500 retained copies would be 50 MB; 500 hashed entries are about 50 KB.
    expect(retained).toBeLessThan(1024 * 1024);
  });

  it('rejects a capacity that is not a positive integer, naming it', () => {
    const inner = scriptedVerifier(() => true);
    expect(() => memoizeVerify(inner, 0)).toThrow(/capacity/);
    expect(() => memoizeVerify(inner, 2.5)).toThrow(/capacity/);
  });

  it('over a real backend: caches both verdicts and passes sign, sha256 and keyPair through', () => {
    const native = createNativeCrypto();
    const memo = memoizeVerify(native);
    const keyPair = memo.keyPair(hex(TEST_1.secretKey));
    expect(toHex(keyPair.publicKey)).toBe(TEST_1.publicKey);
    expect(toHex(memo.sign(keyPair, hex(TEST_1.message)))).toBe(TEST_1.signature);
    expect(toHex(memo.sha256(utf8('abc')))).toBe(toHex(native.sha256(utf8('abc'))));
    const tampered = flipBit(hex(TEST_1.signature), 0);
    for (let round = 0; round < 2; round++) {
      expect(memo.verify(hex(TEST_1.publicKey), hex(TEST_1.message), hex(TEST_1.signature))).toBe(true);
      expect(memo.verify(hex(TEST_1.publicKey), hex(TEST_1.message), tampered)).toBe(false);
    }
    expect(memo.stats).toEqual({ hits: 2, misses: 2, evictions: 0 });
    expect(memo.name).toBe('native');
  });
});

describe('withTiming', () => {
  function spinMs(durationMs: number): void {
    const endMs = performance.now() + durationMs;
    while (performance.now() < endMs) {
      // busy-wait: the point is to spend measurable time
    }
  }

  it('counts sign, verify, sha256, hmacSha256 and sharedSecret calls and passes results through', () => {
    const timed = withTiming(createNobleCrypto());
    const keyPair = timed.keyPair(hex(TEST_1.secretKey));
    const signature = timed.sign(keyPair, hex(TEST_1.message));
    expect(toHex(signature)).toBe(TEST_1.signature);
    expect(timed.verify(keyPair.publicKey, hex(TEST_1.message), signature)).toBe(true);
    expect(timed.verify(keyPair.publicKey, utf8('x'), signature)).toBe(false);
    timed.sha256(utf8('abc'));
    timed.hmacSha256(utf8('key'), utf8('abc'));
    expect(timed.sharedSecret(keyPair, keyPair.publicKey)).toHaveLength(32);
    expect(timed.counts).toEqual({ sign: 1, verify: 2, sha256: 1, hmacSha256: 1, sharedSecret: 1 });
    expect(timed.name).toBe('noble');
  });

  it('adds up time inside calls only, including calls that throw', () => {
    const slow: Crypto = {
      name: 'slow',
      keyPair: (secretKey) => ({ secretKey, publicKey: secretKey }),
      sign: () => {
        spinMs(5);
        throw new Error('sign failed');
      },
      verify: () => {
        spinMs(5);
        return true;
      },
      sha256: () => new Uint8Array(32),
      hmacSha256: (key, data) => realCrypto.hmacSha256(key, data),
      sharedSecret: (keyPair, peerPublicKey) => realCrypto.sharedSecret(keyPair, peerPublicKey),
    };
    const timed = withTiming(slow);
    timed.verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64));
    expect(() => timed.sign({ secretKey: new Uint8Array(32), publicKey: new Uint8Array(32) }, new Uint8Array(0))).toThrow(
      'sign failed',
    );
    spinMs(40); // outside any call: must not count
    expect(timed.elapsedMs()).toBeGreaterThanOrEqual(10);
    expect(timed.elapsedMs()).toBeLessThan(40);
  });
});
