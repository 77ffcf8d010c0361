// Memory bounded in bytes, not only in entries: a Byzantine replica's flood of large
// invalid frames must not grow a replica's heap (the verify memo keeps no message
// copies), frames over their sender's cap are dropped before decoding, and nested frames
// cannot drive the decoder's recursion past MAX_FRAME_DEPTH.
//
// FLOOD_MEMO=legacy runs the flood against the old memo (bench/memo-legacy.ts), which
// kept a copy of every verified message: that run fails the heap bound (328 MB retained).
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS, type ReplicaConfig } from '../../src/core/config.ts';
import { DecodeError, Writer } from '../../src/core/bytes.ts';
import { decodeMessage, encodeSigned } from '../../src/core/encoding.ts';
import type { Peer } from '../../src/core/gateway.ts';
import { REPLY_FRAME_MAX_BYTES } from '../../src/core/client.ts';
import { CLIENT_FRAME_MAX_BYTES, MAX_FRAME_DEPTH, protocolFrameBounds, replicaFrameMaxBytes, STATE_FRAME_MAX_BYTES } from '../../src/core/limits.ts';
import type { SignedRequest, StateTransfer } from '../../src/core/messages.ts';
import { Replica, type ReplicaOutput } from '../../src/core/replica.ts';
import { createNativeCrypto, deriveSecretKey, memoizeVerify, type Crypto } from '../../src/crypto/index.ts';
import { memoizeVerifyLegacy } from '../../bench/memo-legacy.ts';
import { buildWorld } from '../support/fuzz-world.ts';
import { nestedBomb } from '../support/fuzz.ts';
import { retainedBytes } from '../support/heap.ts';

const native = createNativeCrypto();
const N = 4;
const BYZANTINE = 3;
const replicaKeyPairs = Array.from({ length: N }, (_, id) => native.keyPair(deriveSecretKey('bytes', 'replica', id)));
const clientKeyPair = native.keyPair(deriveSecretKey('bytes', 'client', 0));

function makeReplica(id: number, crypto: Crypto): Replica {
  const config: ReplicaConfig = {
    ...DEFAULT_PARAMETERS,
    n: N,
    id,
    keyPair: replicaKeyPairs[id]!,
    crypto,
    replicaKeys: replicaKeyPairs.map((pair) => pair.publicKey),
    clientKey: (client) => (client === 0 ? clientKeyPair.publicKey : undefined),
  };
  return new Replica(config);
}

const dropsOf = (outputs: readonly ReplicaOutput[]): string[] => outputs.flatMap((output) => (output.kind === 'drop' ? [output.reason] : []));
const fromReplica = (id: number): Peer => ({ kind: 'replica', id });

/** A STATE of about `bytes` bytes from the Byzantine replica: no checkpoint proof, so invalid whatever its signature. */
function floodState(index: number, bytes: number, validSignature: boolean): Uint8Array {
  const message: StateTransfer = {
    type: 'state',
    seq: 100 + index,
    replica: BYZANTINE,
    proof: [],
    store: { nextVersion: 2, entries: [[`key${index}`, 'x'.repeat(bytes), 1]] },
    clients: [],
  };
  const badSignature = new Uint8Array(64).fill(index & 0xff);
  return encodeSigned(message, (signed) => (validSignature ? native.sign(replicaKeyPairs[BYZANTINE]!, signed) : badSignature)).frame;
}

describe('memory bound in bytes: a flood of large invalid frames', () => {
  it('200 distinct 1 MB STATEs signed by a Byzantine replica and 200 with bad signatures leave a replica\'s heap within 8 MB (the old memo kept ~400 MB)', () => {
    const legacy = process.env.FLOOD_MEMO === 'legacy';
    const memo = legacy ? memoizeVerifyLegacy(native) : memoizeVerify(native);
    const replica = makeReplica(1, memo);
    const reasons = new Map<string, number>();
    const retained = retainedBytes(() => {
      for (let index = 0; index < 400; index++) {
        const frame = floodState(index, 1 << 20, index % 2 === 0);
        for (const reason of dropsOf(replica.step({ kind: 'receive', from: fromReplica(BYZANTINE), frame, nowMs: 0 }))) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    });
    // Every frame reached the signature check, so every one left an entry in the memo.
    expect(Object.fromEntries(reasons)).toEqual({ 'bad-state': 200, 'bad-signature': 200 });
    expect(memo.stats.misses).toBe(400);
    expect(replica.lastExecuted).toBe(0);
    console.log(`flood (${legacy ? 'old' : 'new'} memo): retained ${(retained / 1024 / 1024).toFixed(1)} MB after 400 x 1 MB frames`);
    expect(retained).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('frame caps (src/core/limits.ts), checked before decoding', () => {
  const replica = makeReplica(0, memoizeVerify(native));
  const reasonFor = (from: Peer, frame: Uint8Array): string | undefined => dropsOf(replica.step({ kind: 'receive', from, frame, nowMs: 0 }))[0];

  it('from a replica: one byte over the cap is frame-too-large, at the cap it is not rejected for size', () => {
    const cap = replicaFrameMaxBytes({ ...DEFAULT_PARAMETERS, n: N });
    expect(cap).toBe(STATE_FRAME_MAX_BYTES);
    expect(reasonFor(fromReplica(2), new Uint8Array(cap + 1).fill(3))).toBe('frame-too-large');
    const atCap = reasonFor(fromReplica(2), new Uint8Array(cap).fill(3));
    expect(atCap).toBeDefined();
    expect(atCap).not.toBe('frame-too-large');
  });

  it('from a client: one byte over 64 KiB is frame-too-large, a valid REQUEST of exactly 64 KiB is accepted', () => {
    const fromClient: Peer = { kind: 'client', id: 0 };
    expect(reasonFor(fromClient, new Uint8Array(CLIENT_FRAME_MAX_BYTES + 1))).toBe('frame-too-large');
    const exact = requestOfSize(CLIENT_FRAME_MAX_BYTES, 1);
    expect(exact.frame.length).toBe(CLIENT_FRAME_MAX_BYTES);
    const outputs = replica.step({ kind: 'receive', from: fromClient, frame: exact.frame, nowMs: 0 });
    expect(dropsOf(outputs)).toEqual([]);
    expect(outputs.some((output) => output.kind === 'broadcast' && output.signed.message.type === 'pre-prepare')).toBe(true);
  });

  it('a PRE-PREPARE of B=64 requests of 64 KiB each, the largest a correct primary sends, fits the bound and the replica cap', () => {
    const parameters = { ...DEFAULT_PARAMETERS, n: N };
    const batch = Array.from({ length: parameters.maxBatch }, (_, index) => requestOfSize(CLIENT_FRAME_MAX_BYTES, index + 1));
    const prePrepare = encodeSigned({ type: 'pre-prepare', view: 0, seq: 1, digest: new Uint8Array(32), replica: 0, batch }, (bytes) => native.sign(replicaKeyPairs[0]!, bytes));
    expect(prePrepare.frame.length).toBeLessThanOrEqual(protocolFrameBounds(parameters)['pre-prepare']!);
    expect(prePrepare.frame.length).toBeLessThanOrEqual(replicaFrameMaxBytes(parameters));
    // And nested in a commit certificate it still decodes (MAX_FIELD_BYTES lets it through).
    const certificate = encodeSigned({ type: 'commit-certificate', replica: 1, prePrepare, commits: [] }, (bytes) => native.sign(replicaKeyPairs[1]!, bytes));
    expect(certificate.frame.length).toBeLessThanOrEqual(protocolFrameBounds(parameters)['commit-certificate']!);
    expect(decodeMessage(certificate.frame).message.type).toBe('commit-certificate');
  });

  it('real VIEW-CHANGE and NEW-VIEW frames of a view change fit their derived bounds', () => {
    const world = buildWorld('view-change', 'bytes-bounds');
    const bounds = protocolFrameBounds({ ...world.parameters, n: world.n });
    const sizes = (type: string) => world.corpus.filter((entry) => entry.type === type).map((entry) => entry.frame.length);
    expect(sizes('new-view').length).toBeGreaterThan(0);
    for (const size of sizes('view-change')) expect(size).toBeLessThanOrEqual(bounds['view-change']!);
    for (const size of sizes('new-view')) expect(size).toBeLessThanOrEqual(bounds['new-view']!);
  });
});

/** A put REQUEST of client 0 whose frame is exactly `bytes` long. */
function requestOfSize(bytes: number, timestamp: number): SignedRequest {
  let valueLength = bytes;
  for (;;) {
    const signed = encodeSigned({ type: 'request', operation: { type: 'put', key: 'k', value: 'v'.repeat(valueLength) }, timestamp, client: 0 }, (signedBytes) => native.sign(clientKeyPair, signedBytes));
    if (signed.frame.length === bytes) return signed as SignedRequest;
    valueLength -= signed.frame.length - bytes;
  }
}

describe('nesting depth (MAX_FRAME_DEPTH)', () => {
  const checkpoint = encodeSigned({ type: 'checkpoint', seq: 4, digest: new Uint8Array(32), replica: 2 }, (bytes) => native.sign(replicaKeyPairs[2]!, bytes)).frame;
  const zeroSignature = new Uint8Array(64);
  const newViewLevel = (length: number) => ({ before: new Writer().u8(9).uint(1).uint(1).uint(1).uint(length).finish(), after: new Writer().uint(0).fixed(zeroSignature).finish() });
  const prePrepareLevel = (length: number) => ({ before: new Writer().u8(2).uint(0).uint(1).fixed(new Uint8Array(32)).uint(0).fixed(zeroSignature).uint(1).uint(length).finish(), after: new Uint8Array(0) });

  it('is 3: NEW-VIEW → VIEW-CHANGE → PREPARE, and a real NEW-VIEW decodes', () => {
    expect(MAX_FRAME_DEPTH).toBe(3);
    const world = buildWorld('view-change', 'bytes-depth');
    const newView = world.corpus.find((entry) => entry.type === 'new-view')!;
    expect(decodeMessage(newView.frame).message.type).toBe('new-view');
  });

  it.each([
    ['NEW-VIEW inside NEW-VIEW', newViewLevel],
    ['PRE-PREPARE inside PRE-PREPARE batches', prePrepareLevel],
  ])('a frame nested 5,000 deep (%s) is a DecodeError, dropped as malformed by a replica and a client, no stack overflow', (_name, level) => {
    const bomb = nestedBomb(level, 5000, checkpoint);
    expect(bomb.length).toBeLessThan(replicaFrameMaxBytes({ ...DEFAULT_PARAMETERS, n: N }));
    expect(() => decodeMessage(bomb)).toThrow(DecodeError);
    const replica = makeReplica(2, memoizeVerify(native));
    expect(dropsOf(replica.step({ kind: 'receive', from: fromReplica(1), frame: bomb, nowMs: 0 }))).toEqual(['malformed']);
    const world = buildWorld('normal', 'bytes-client');
    const client = world.makeClient(0);
    client.step({ kind: 'submit', operation: { type: 'get', key: 'a' }, nowMs: 0 });
    const reasons = (frame: Uint8Array) => client.step({ kind: 'receive', from: fromReplica(1), frame, nowMs: 0 }).flatMap((output) => (output.kind === 'drop' ? [output.reason] : []));
    // The client refuses anything larger than a REPLY can be before decoding it; a bomb
    // small enough to pass that check still meets the depth limit.
    expect(reasons(bomb)).toEqual([bomb.length > REPLY_FRAME_MAX_BYTES ? 'frame-too-large' : 'malformed']);
    const small = nestedBomb(level, 100, checkpoint);
    expect(small.length).toBeLessThanOrEqual(REPLY_FRAME_MAX_BYTES);
    expect(reasons(small)).toEqual(['malformed']);
  });
});
