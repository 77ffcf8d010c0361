// The canonical encoding (src/core/encoding.ts) over random messages of every type,
// signed with real Ed25519 keys: decoding gives the message back, re-encoding gives
// the frame back byte for byte, and any frame a correct encoder would not have produced
// (one byte more, one byte less, one byte changed, plain noise) is either rejected with
// a DecodeError or, if it decodes, is itself the canonical encoding of what it decoded
// to. Signatures and digests are computed over these bytes (OSDI'99 §4), so one value
// must have exactly one encoding. fast-check prints the seed and path that replay a failure.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError, MAX_FIELD_BYTES, Reader, Writer } from '../../src/core/bytes.ts';
import { decodeMessage, encodeBatch, encodeSigned, SIGNATURE_BYTES, UnknownTypeError } from '../../src/core/encoding.ts';
import { signerOf, type Message, type PrePrepare, type Signed, type SignedRequest, type ViewChange } from '../../src/core/messages.ts';
import type { GetResult, Operation, OperationResult, WriteResult } from '../../src/core/operations.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';

const crypto = createCrypto('native');
const SEED = 'encoding-property';
const REPLICA_COUNT = 4;
const CLIENT_COUNT = 4;
const replicaKeyPairs = Array.from({ length: REPLICA_COUNT }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'replica', id)));
const clientKeyPairs = Array.from({ length: CLIENT_COUNT }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'client', id)));

/** The key pair that signs `message`: its client for a request, its replica otherwise. */
function signerKeyPair(message: Message) {
  const signer = signerOf(message);
  const id = signer.id;
  const pairs = signer.kind === 'client' ? clientKeyPairs : replicaKeyPairs;
  return pairs[id % pairs.length]!;
}

function signAndEncode<M extends Message>(message: M): Signed<M> {
  const keyPair = signerKeyPair(message);
  return encodeSigned(message, (bytes) => crypto.sign(keyPair, bytes));
}

/** What decoding should give back: versionMatch -1 and omitted both mean "any" and decode as omitted. */
function normalizeOperation(operation: Operation): Operation {
  if (operation.type === 'get' || operation.versionMatch !== -1) return operation;
  const { versionMatch: _any, ...rest } = operation;
  return rest;
}

function normalize(message: Message): Message {
  if (message.type === 'request' || message.type === 'read') return { ...message, operation: normalizeOperation(message.operation) };
  if (message.type === 'pre-prepare') {
    return { ...message, batch: message.batch.map((request) => ({ ...request, message: normalize(request.message) as SignedRequest['message'] })) };
  }
  return message;
}

/** Re-encodes a decoded message with the signature it arrived with. */
function reencode(decoded: Signed): Uint8Array {
  return encodeSigned(decoded.message, () => decoded.signature).frame;
}

function decodeFailure(frame: Uint8Array): unknown {
  try {
    decodeMessage(frame);
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * PRE-PREPAREs each holding the next as its one-element "batch", as deep as fits in one
 * batch field of `maxBytes`. Each level is header + signature + count + length prefix,
 * and the inner frame is its suffix, so the frame is those prefixes concatenated.
 */
function nestedPrePrepares(maxBytes: number): Uint8Array {
  const header = new Writer().u8(2).uint(0).uint(1).fixed(new Uint8Array(32)).uint(0).fixed(new Uint8Array(SIGNATURE_BYTES)).finish();
  const innermost = Uint8Array.from([...header, 0]); // empty batch
  const prefixes: Uint8Array[] = [];
  let length = innermost.length;
  for (;;) {
    const prefix = new Writer().fixed(header).uint(1).uint(length).finish();
    if (prefix.length + length > maxBytes) break;
    prefixes.push(prefix);
    length += prefix.length;
  }
  expect(prefixes.length).toBeGreaterThan(10_000);
  const frame = new Uint8Array(length);
  let offset = 0;
  for (const prefix of prefixes.reverse()) {
    frame.set(prefix, offset);
    offset += prefix.length;
  }
  frame.set(innermost, offset);
  return frame;
}

// ---- arbitraries ------------------------------------------------------------------

/** Any Unicode code point except lone surrogates (which UTF-8 cannot carry). */
const unicodeText = fc.string({ unit: 'binary', maxLength: 12 });
const nat = fc.maxSafeNat();
const replicaId = fc.integer({ min: 0, max: 1000 });
const clientId = fc.integer({ min: 0, max: 1000 });
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 });
const status = fc.constantFrom('ok' as const, 'not_found' as const, 'no_match' as const);

/** undefined (omitted), -1 (any, spelled out) or a concrete version; +1 must stay a safe integer on the wire. */
const versionMatch = fc.oneof(
  fc.constant(undefined),
  fc.constant(-1),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }),
);

function withVersionMatch<T extends object>(base: T, match: number | undefined): T & { versionMatch?: number } {
  return match === undefined ? base : { ...base, versionMatch: match };
}

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ type: fc.constant('get' as const), key: unicodeText }),
  fc
    .tuple(unicodeText, unicodeText, versionMatch)
    .map(([key, value, match]): Operation => withVersionMatch({ type: 'put' as const, key, value }, match)),
  fc
    .tuple(unicodeText, unicodeText, unicodeText, versionMatch)
    .map(([key, expected, desired, match]): Operation => withVersionMatch({ type: 'cas' as const, key, expected, desired }, match)),
  fc.tuple(unicodeText, versionMatch).map(([key, match]): Operation => withVersionMatch({ type: 'remove' as const, key }, match)),
);

const request = fc.record({ type: fc.constant('request' as const), operation, timestamp: nat, client: clientId });
const signedRequest = request.map((message) => signAndEncode(message));

const prePrepare = fc
  .record({ view: nat, seq: nat, replica: replicaId, batch: fc.array(signedRequest, { minLength: 1, maxLength: 5 }), honestDigest: fc.boolean(), randomDigest: digest })
  .map(({ honestDigest, randomDigest, batch, ...header }): PrePrepare => ({
    type: 'pre-prepare',
    ...header,
    // Decoding does not check d against the batch (the gateway does), so both kinds must round-trip.
    digest: honestDigest ? crypto.sha256(encodeBatch(batch)) : randomDigest,
    batch,
  }));

const prepare = fc.record({ type: fc.constant('prepare' as const), view: nat, seq: nat, digest, replica: replicaId });
const commit = fc.record({ type: fc.constant('commit' as const), view: nat, seq: nat, digest, replica: replicaId });
const checkpoint = fc.record({ type: fc.constant('checkpoint' as const), seq: nat, digest, replica: replicaId });

const getResult: fc.Arbitrary<GetResult> = fc.oneof(
  fc.record({ status, version: nat }),
  fc.record({ status, version: nat, value: unicodeText }),
);
const writeResult: fc.Arbitrary<WriteResult> = fc.record({ status, actual: unicodeText, previousVersion: nat, version: nat });
const result: fc.Arbitrary<OperationResult> = fc.oneof(getResult, writeResult);

/** Committed or tentative (tentative.ts): `tentative` is absent or true, never false. */
const tentativeFlag = fc.boolean().map((tentative) => (tentative ? { tentative: true as const } : {}));
const reply = fc.tuple(fc.record({ type: fc.constant('reply' as const), view: nat, timestamp: nat, client: clientId, replica: replicaId, result }), tentativeFlag).map(([body, flag]) => ({ ...body, ...flag }));
const statusMessage = fc.record({ type: fc.constant('status' as const), view: nat, stableSeq: nat, lastExecuted: nat, replica: replicaId });

const nonce = fc.uint8Array({ minLength: 16, maxLength: 16 });
const recoveryQuery = fc.record({ type: fc.constant('recovery-query' as const), nonce, replica: replicaId });
// A proof of VIEW-CHANGEs with empty C and P, each signed by the replica it names.
const viewChangeVoucher = fc
  .record({ newView: nat, replica: replicaId })
  .map(({ newView, replica }) => signAndEncode({ type: 'view-change' as const, newView, stableSeq: 0, checkpointProof: [], prepared: [], replica }) as Signed<ViewChange>);
const checkpointVote = fc.record({ seq: nat, digest, replica: replicaId }).map((vote) => signAndEncode({ type: 'checkpoint' as const, ...vote }));
const recoveryReply = fc.record({
  type: fc.constant('recovery-reply' as const),
  nonce,
  view: nat,
  stableSeq: nat,
  checkpointProof: fc.array(checkpointVote, { maxLength: 3 }),
  proof: fc.array(viewChangeVoucher, { maxLength: 3 }),
  replica: replicaId,
});

const replyDigest = fc
  .tuple(fc.record({ type: fc.constant('reply-digest' as const), view: nat, timestamp: nat, client: clientId, replica: replicaId, digest: fc.uint8Array({ minLength: 32, maxLength: 32 }) }), tentativeFlag)
  .map(([body, flag]) => ({ ...body, ...flag }));

const readRequest = fc.record({ type: fc.constant('read' as const), operation, timestamp: nat, client: clientId });

const message: fc.Arbitrary<Message> = fc.oneof(request, readRequest, replyDigest, prePrepare, prepare, commit, checkpoint, reply, statusMessage, recoveryQuery, recoveryReply);

const MESSAGE_ARBITRARIES: readonly [string, fc.Arbitrary<Message>][] = [
  ['request', request],
  ['read', readRequest],
  ['reply-digest', replyDigest],
  ['pre-prepare', prePrepare],
  ['prepare', prepare],
  ['commit', commit],
  ['checkpoint', checkpoint],
  ['reply', reply],
  ['status', statusMessage],
  ['recovery-query', recoveryQuery],
  ['recovery-reply', recoveryReply],
];

// ---- properties -----------------------------------------------------------------------

describe('encoding: round trip of every message type', () => {
  it.each(MESSAGE_ARBITRARIES)('%s: decode(encodeSigned(m)) gives back m, the signed bytes and a signature that verifies', (_type, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (original) => {
        const encoded = signAndEncode(original);
        const decoded = decodeMessage(encoded.frame);
        expect(decoded.message).toEqual(normalize(original));
        expect(decoded.signedBytes).toEqual(encoded.signedBytes);
        expect(decoded.signature).toEqual(encoded.signature);
        expect(decoded.signature).toHaveLength(SIGNATURE_BYTES);
        expect(crypto.verify(signerKeyPair(original).publicKey, decoded.signedBytes, decoded.signature)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('versionMatch -1 and omitted encode to the same bytes', () => {
    fc.assert(
      fc.property(operation, nat, clientId, (op, timestamp, client) => {
        fc.pre(op.type !== 'get' && (op.versionMatch === undefined || op.versionMatch === -1));
        const any = signAndEncode({ type: 'request', operation: { ...op, versionMatch: -1 }, timestamp, client });
        const omitted = signAndEncode({ type: 'request', operation: normalizeOperation({ ...op, versionMatch: -1 }), timestamp, client });
        expect(any.frame).toEqual(omitted.frame);
      }),
      { numRuns: 100 },
    );
  });
});

describe('encoding: canonical form', () => {
  it('re-encoding a decoded message reproduces its frame byte for byte', () => {
    fc.assert(
      fc.property(message, (original) => {
        const frame = signAndEncode(original).frame;
        expect(reencode(decodeMessage(frame))).toEqual(frame);
      }),
      { numRuns: 200 },
    );
  });

  it('a frame with one byte appended is rejected with a DecodeError', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 255 }), (original, extra) => {
        const frame = signAndEncode(original).frame;
        const longer = new Uint8Array(frame.length + 1);
        longer.set(frame);
        longer[frame.length] = extra;
        expect(decodeFailure(longer)).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 200 },
    );
  });

  it('a frame truncated by one byte or more is rejected with a DecodeError', () => {
    fc.assert(
      fc.property(message, fc.nat(), (original, cut) => {
        const frame = signAndEncode(original).frame;
        const shorter = frame.slice(0, cut % frame.length);
        expect(decodeFailure(shorter)).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 200 },
    );
  });

  it('a non-shortest LEB128 integer is rejected', () => {
    // 0x80 0x00 spells 0 with a padding group; 0x81 0x00 spells 1 likewise.
    expect(() => new Reader(Uint8Array.of(0x80, 0x00)).uint()).toThrow(DecodeError);
    expect(() => new Reader(Uint8Array.of(0x81, 0x00)).uint()).toThrow(DecodeError);
    expect(new Reader(Uint8Array.of(0x80, 0x01)).uint()).toBe(128);

    // The same padding inside a frame: STATUS is [tag][v][h][le][i][signature], all fields single-byte here.
    const frame = signAndEncode({ type: 'status', view: 0, stableSeq: 0, lastExecuted: 0, replica: 1 }).frame;
    expect(frame[1]).toBe(0x00);
    const padded = new Uint8Array(frame.length + 1);
    padded.set([frame[0]!, 0x80, 0x00]);
    padded.set(frame.subarray(2), 3);
    expect(decodeFailure(padded)).toBeInstanceOf(DecodeError);
    expect((decodeFailure(padded) as Error).message).toMatch(/non-canonical/);
  });
});

describe('encoding: hostile bytes', () => {
  it('random bytes never make decodeMessage throw anything but a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const error = decodeFailure(bytes);
        if (error !== undefined) expect(error).toBeInstanceOf(DecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes behind a valid type tag never make decodeMessage throw anything but a DecodeError', () => {
    // Plain noise mostly fails at the tag; a real tag sends the decoder into the fields.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.uint8Array({ maxLength: 300 }), (tag, rest) => {
        const bytes = new Uint8Array(rest.length + 1);
        bytes[0] = tag;
        bytes.set(rest, 1);
        const error = decodeFailure(bytes);
        if (error !== undefined) expect(error).toBeInstanceOf(DecodeError);
        else expect(reencode(decodeMessage(bytes))).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid frame with one byte changed is rejected with a DecodeError, or decodes to something whose encoding it is', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({ min: 1, max: 255 }), (original, at, delta) => {
        const frame = signAndEncode(original).frame.slice();
        const index = at % frame.length;
        frame[index] = (frame[index]! + delta) & 0xff;
        const error = decodeFailure(frame);
        if (error !== undefined) expect(error).toBeInstanceOf(DecodeError);
        else expect(reencode(decodeMessage(frame))).toEqual(frame);
      }),
      { numRuns: 1000 },
    );
  });

  it('a PRE-PREPARE nested ten thousand deep inside batches is a DecodeError, not a stack overflow', () => {
    const frame = nestedPrePrepares(MAX_FIELD_BYTES);
    const error = decodeFailure(frame);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as Error).message).toMatch(/non-request/);
  });

  it.each([
    ['20, one past the last message type', 20],
    ['255', 255],
    ['0', 0],
    ['200', 200],
  ])('type tag %s is an UnknownTypeError, which is a DecodeError', (_name, tag) => {
    const error = decodeFailure(Uint8Array.of(tag, 0, 0, 0));
    expect(error).toBeInstanceOf(UnknownTypeError);
    expect(error).toBeInstanceOf(DecodeError);
  });
});
