import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNativeCrypto, createNobleCrypto, createSodiumCrypto, memoizeVerify, type Crypto } from '../../src/crypto/index.ts';

const noble = createNobleCrypto();
const native = createNativeCrypto();
const sodium = createSodiumCrypto();
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const seedArbitrary = fc.uint8Array({ minLength: 32, maxLength: 32 });
const messageArbitrary = fc.uint8Array({ minLength: 0, maxLength: 256 });

describe.each([
  ['sodium', sodium],
  ['noble', noble],
] as const)('%s and native backends: the same keys and signatures', (_name, other) => {
  it('same seed and bytes: identical public keys and signatures, each accepts the other', () => {
    fc.assert(
      fc.property(seedArbitrary, messageArbitrary, (seed, message) => {
        const otherKeyPair = other.keyPair(seed);
        const nativeKeyPair = native.keyPair(seed);
        expect(toHex(nativeKeyPair.publicKey)).toBe(toHex(otherKeyPair.publicKey));
        const otherSignature = other.sign(otherKeyPair, message);
        const nativeSignature = native.sign(nativeKeyPair, message);
        expect(toHex(nativeSignature)).toBe(toHex(otherSignature));
        expect(other.verify(otherKeyPair.publicKey, message, nativeSignature)).toBe(true);
        expect(native.verify(nativeKeyPair.publicKey, message, otherSignature)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('sodium and native backends agree', () => {
  it('same verdict on a signature with one bit flipped, on random keys and signatures, and with R replaced by a small-order point', () => {
    const smallOrderR = ['00'.repeat(32), '01' + '00'.repeat(31), 'ec' + 'ff'.repeat(30) + '7f', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'];
    fc.assert(
      fc.property(seedArbitrary, messageArbitrary, fc.nat({ max: 511 }), fc.constantFrom(...smallOrderR), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (seed, message, bit, rHex, randomKey, randomSignature) => {
        const keyPair = native.keyPair(seed);
        const flipped = native.sign(keyPair, message);
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const withSmallOrderR = native.sign(keyPair, message);
        withSmallOrderR.set(Buffer.from(rHex, 'hex'), 0);
        for (const [publicKey, signature] of [[keyPair.publicKey, flipped], [keyPair.publicKey, withSmallOrderR], [randomKey, randomSignature], [keyPair.publicKey, randomSignature]] as const) {
          expect(sodium.verify(publicKey, message, signature)).toBe(native.verify(publicKey, message, signature));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('noble and native backends agree', () => {
  it('a signature with one random bit flipped is rejected by both', () => {
    fc.assert(
      fc.property(seedArbitrary, messageArbitrary, fc.nat({ max: 511 }), (seed, message, bit) => {
        const keyPair = native.keyPair(seed);
        const signature = native.sign(keyPair, message);
        signature[bit >> 3] = (signature[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(noble.verify(keyPair.publicKey, message, signature)).toBe(false);
        expect(native.verify(keyPair.publicKey, message, signature)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('random public key and signature bytes: same verdict from both, and no throw', () => {
    // Random 32 bytes are a valid curve point about half the time, so this exercises
    // point decoding and the small-order/canonical checks, not only length checks.
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        messageArbitrary,
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (publicKey, message, signature) => {
          expect(native.verify(publicKey, message, signature)).toBe(noble.verify(publicKey, message, signature));
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** A real backend that counts how often verify reaches it. */
function countingVerifier(inner: Crypto): Crypto & { verifyCalls: number } {
  const counting = {
    ...inner,
    verifyCalls: 0,
    verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
      counting.verifyCalls++;
      return inner.verify(publicKey, message, signature);
    },
  };
  return counting;
}

describe('memoizeVerify', () => {
  it('a triple differing from a cached one in any single byte reaches the inner verify', () => {
    fc.assert(
      fc.property(
        seedArbitrary,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.constantFrom(0, 1, 2),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seed, message, fieldIndex, position, xorMask) => {
          const inner = countingVerifier(native);
          const memo = memoizeVerify(inner);
          const keyPair = native.keyPair(seed);
          const signature = native.sign(keyPair, message);
          expect(memo.verify(keyPair.publicKey, message, signature)).toBe(true);
          const triple = [keyPair.publicKey.slice(), message.slice(), signature.slice()] as const;
          const field = triple[fieldIndex];
          const index = position % field.length;
          field[index] = (field[index] ?? 0) ^ xorMask;
          expect(memo.verify(triple[0], triple[1], triple[2])).toBe(native.verify(triple[0], triple[1], triple[2]));
          expect(inner.verifyCalls).toBe(2);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('over any sequence of verifies, answers exactly as the inner backend and stays within capacity', () => {
    const keyPairs = [1, 2, 3].map((fill) => native.keyPair(new Uint8Array(32).fill(fill)));
    const messages = ['prepare', 'commit', 'checkpoint'].map((text) => new TextEncoder().encode(text));
    // A pool of triples: valid ones, and their mixes (wrong key, wrong message).
    const signatures = keyPairs.flatMap((keyPair) => messages.map((message) => native.sign(keyPair, message)));
    const callArbitrary = fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 }), fc.nat({ max: signatures.length - 1 }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(callArbitrary, { maxLength: 60 }), (capacity, calls) => {
        const memo = memoizeVerify(native, capacity);
        for (const [keyIndex, messageIndex, signatureIndex] of calls) {
          const publicKey = keyPairs[keyIndex]?.publicKey ?? new Uint8Array(32);
          const message = messages[messageIndex] ?? new Uint8Array(0);
          const signature = signatures[signatureIndex] ?? new Uint8Array(64);
          expect(memo.verify(publicKey, message, signature)).toBe(native.verify(publicKey, message, signature));
          expect(memo.size()).toBeLessThanOrEqual(capacity);
        }
        expect(memo.stats.hits + memo.stats.misses).toBe(calls.length);
      }),
      { numRuns: 100 },
    );
  });
});
