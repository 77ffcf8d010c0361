// The gateway (src/core/gateway.ts): every reason it drops a frame, one hostile frame
// per row, signed with real Ed25519 keys. Each row is checked twice: admit() returns
// that drop reason without throwing, and a real Replica fed the frame emits exactly
// one 'drop' with that reason, nothing else, and keeps its state (house style rule 4:
// Byzantine input is dropped with a reason, never thrown). Then the 'future' verdicts
// and the two drop reasons the replica adds after the gateway (stale-request,
// future-buffer-full, checkpoint-buffer-full).
//
// Cluster: n=4, f=1, view 0 (primary 0). The replica under test is backup 1 unless a
// row says otherwise. K=2, L=4 so that watermarks move after two batches; B=2.

import { describe, expect, it } from 'vitest';
import { admit, type DropReason, type GatewayContext, type Peer } from '../../src/core/gateway.ts';
import { DEFAULT_PARAMETERS, type ReplicaConfig } from '../../src/core/config.ts';
import { encodeBatch, encodeSigned } from '../../src/core/encoding.ts';
import type { Message, PrePrepare, Request, Signed, SignedRequest } from '../../src/core/messages.ts';
import type { Operation } from '../../src/core/operations.ts';
import { Replica, type ReplicaOutput } from '../../src/core/replica.ts';
import { quorumsFor } from '../../src/core/quorum.ts';
import { createCrypto, deriveSecretKey, type KeyPair } from '../../src/crypto/index.ts';

const crypto = createCrypto('native');
const SEED = 'gateway-unit';
const N = 4;
const REGISTERED_CLIENTS = 3;
const UNREGISTERED_CLIENT = 99;
const K = 2;
const L = 4;
const MAX_BATCH = 2;
const FUTURE_BUFFER_PER_SENDER = 3;
/** The backup under test. */
const ME = 1;

const replicaKeyPairs = Array.from({ length: N + 1 }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'replica', id)));
const clientKeyPairs = Array.from({ length: UNREGISTERED_CLIENT + 1 }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'client', id)));
const replicaKeys = replicaKeyPairs.slice(0, N).map((pair) => pair.publicKey);

function configFor(id: number): ReplicaConfig {
  return {
    ...DEFAULT_PARAMETERS,
    n: N,
    checkpointInterval: K,
    logWindow: L,
    maxBatch: MAX_BATCH,
    maxInflightBatches: 8,
    statusIntervalMs: 100,
    retransmitAfterMs: 60,
    futureBufferPerSender: FUTURE_BUFFER_PER_SENDER,
    id,
    keyPair: replicaKeyPairs[id]!,
    crypto,
    replicaKeys,
    clientKey: (client) => (client < REGISTERED_CLIENTS ? clientKeyPairs[client]!.publicKey : undefined),
  };
}

const replicaPeer = (id: number): Peer => ({ kind: 'replica', id });
const clientPeer = (id: number): Peer => ({ kind: 'client', id });

function signWith<M extends Message>(keyPair: KeyPair, message: M): Signed<M> {
  return encodeSigned(message, (bytes) => crypto.sign(keyPair, bytes));
}

/** Signed by the replica the message names (replica N has a key but is not in the cluster). */
function byReplica<M extends Message & { replica: number }>(message: M): Signed<M> {
  return signWith(replicaKeyPairs[message.replica]!, message);
}

function request(client: number, timestamp: number, operation: Operation = { type: 'put', key: 'k', value: `v${client}.${timestamp}` }, signer = client): SignedRequest {
  const message: Request = { type: 'request', operation, timestamp, client };
  return signWith(clientKeyPairs[signer]!, message);
}

const digestOf = (batch: readonly SignedRequest[]) => crypto.sha256(encodeBatch(batch));

function prePrepare(seq: number, batch: readonly SignedRequest[], options: { view?: number; replica?: number; digest?: Uint8Array } = {}): Signed<PrePrepare> {
  const view = options.view ?? 0;
  return byReplica({ type: 'pre-prepare', view, seq, digest: options.digest ?? digestOf(batch), replica: options.replica ?? view % N, batch });
}

const SOME_DIGEST = crypto.sha256(Uint8Array.of(1, 2, 3));
const prepare = (replica: number, seq: number, view = 0, digest = SOME_DIGEST) => byReplica({ type: 'prepare', view, seq, digest, replica });
const commit = (replica: number, seq: number, view = 0, digest = SOME_DIGEST) => byReplica({ type: 'commit', view, seq, digest, replica });
const checkpoint = (replica: number, seq: number, digest = SOME_DIGEST) => byReplica({ type: 'checkpoint', seq, digest, replica });

function flipSignatureBit(signed: Signed): Uint8Array {
  const frame = signed.frame.slice();
  const first = signed.signedBytes.length; // the signature starts right after the signed bytes
  frame[first] = frame[first]! ^ 0x01;
  return frame;
}

/** `tampered` encoded with the signature `original` carried: the body no longer matches it. */
function withSignatureOf(original: Signed, tampered: Message): Uint8Array {
  return encodeSigned(tampered, () => original.signature).frame;
}

function receive(replica: Replica, from: Peer, frame: Uint8Array, nowMs = 0): ReplicaOutput[] {
  return replica.step({ kind: 'receive', from, frame, nowMs });
}

/**
 * Drives backup 1 through one sequence number by hand, as the other three replicas
 * would: PRE-PREPARE from primary 0, PREPAREs from backups 2 and 3, COMMITs from 0, 2, 3.
 */
function orderOnMe(replica: Replica, seq: number, batch: readonly SignedRequest[]): ReplicaOutput[] {
  const digest = digestOf(batch);
  const outputs = receive(replica, replicaPeer(0), prePrepare(seq, batch).frame);
  for (const id of [2, 3]) outputs.push(...receive(replica, replicaPeer(id), prepare(id, seq, 0, digest).frame));
  for (const id of [0, 2, 3]) outputs.push(...receive(replica, replicaPeer(id), commit(id, seq, 0, digest).frame));
  return outputs;
}

/** Backup 1 after executing seqs 1 and 2 and seeing 2f+1 CHECKPOINTs for 2: h = 2, H = 6. */
function replicaWithStableCheckpointAt2(replica = new Replica(configFor(ME))): Replica {
  orderOnMe(replica, 1, [request(0, 1)]);
  const outputs = orderOnMe(replica, 2, [request(1, 1)]);
  const own = outputs.find((output) => output.kind === 'broadcast' && output.signed.message.type === 'checkpoint');
  expect(own).toBeDefined();
  const digest = (own as { signed: Signed<Message & { digest: Uint8Array }> }).signed.message.digest;
  for (const id of [0, 2]) receive(replica, replicaPeer(id), checkpoint(id, 2, digest).frame);
  expect(replica.lowWatermark).toBe(2);
  return replica;
}

function observableState(replica: Replica) {
  return {
    view: replica.view,
    lastExecuted: replica.lastExecuted,
    logSize: replica.log.size,
    lowWatermark: replica.lowWatermark,
    bufferedCount: replica.bufferedCount,
    storeDigest: Buffer.from(replica.store.digest()).toString('hex'),
  };
}

// ---- the drop table -------------------------------------------------------------------

interface DropCase {
  readonly name: string;
  readonly reason: DropReason;
  readonly from: Peer;
  readonly frame: () => Uint8Array;
  /** Brings a fresh backup 1 into the state the row needs; defaults to a fresh replica. */
  readonly replica?: () => Replica;
  /**
   * The frame is validly signed and contradicts what its signer signed before for the same
   * slot: the replica keeps both as evidence (src/core/evidence.ts) as it drops it.
   */
  readonly equivocates?: true;
}

const VALID_BATCH = [request(0, 1)];

/** backup 1 after it accepted PRE-PREPARE(v=0, n=1) for VALID_BATCH. */
function replicaWithPrePrepareAt1(): Replica {
  const replica = new Replica(configFor(ME));
  const outputs = receive(replica, replicaPeer(0), prePrepare(1, VALID_BATCH).frame);
  expect(outputs.some((output) => output.kind === 'broadcast' && output.signed.message.type === 'prepare')).toBe(true);
  return replica;
}

const DROP_CASES: readonly DropCase[] = [
  { name: 'an empty frame', reason: 'malformed', from: replicaPeer(2), frame: () => new Uint8Array(0) },
  { name: 'a PREPARE missing its last byte', reason: 'malformed', from: replicaPeer(2), frame: () => prepare(2, 1).frame.slice(0, -1) },
  { name: 'a PREPARE with a trailing byte', reason: 'malformed', from: replicaPeer(2), frame: () => Uint8Array.from([...prepare(2, 1).frame, 0]) },
  { name: 'type tag 20 (one past the last message type)', reason: 'unknown-type', from: replicaPeer(2), frame: () => Uint8Array.of(20, 0, 0, 0) },
  { name: 'type tag 200', reason: 'unknown-type', from: replicaPeer(2), frame: () => Uint8Array.of(200, 1, 2, 3) },
  {
    name: 'a REPLY sent to a replica by the replica that signed it',
    reason: 'unexpected-type',
    from: replicaPeer(2),
    frame: () => byReplica({ type: 'reply', view: 0, timestamp: 1, client: 0, replica: 2, result: { status: 'ok', version: 0 } }).frame,
  },
  {
    name: 'a REPLY sent to a replica by a client',
    reason: 'unexpected-type',
    from: clientPeer(0),
    frame: () => byReplica({ type: 'reply', view: 0, timestamp: 1, client: 0, replica: 2, result: { status: 'ok', actual: '', previousVersion: 0, version: 1 } }).frame,
  },
  { name: 'a PREPARE of replica 4 when n = 4', reason: 'unknown-signer', from: replicaPeer(4), frame: () => prepare(4, 1).frame },
  { name: 'a REQUEST of an unregistered client', reason: 'unknown-signer', from: clientPeer(UNREGISTERED_CLIENT), frame: () => request(UNREGISTERED_CLIENT, 1).frame },
  { name: 'a PREPARE of replica 2 sent by replica 3', reason: 'sender-not-signer', from: replicaPeer(3), frame: () => prepare(2, 1).frame },
  { name: 'a PREPARE of replica 2 sent by client 2', reason: 'sender-not-signer', from: clientPeer(2), frame: () => prepare(2, 1).frame },
  { name: 'a REQUEST of client 2 sent by client 1', reason: 'sender-not-signer', from: clientPeer(1), frame: () => request(2, 1).frame },
  { name: 'a PREPARE with one signature bit flipped', reason: 'bad-signature', from: replicaPeer(2), frame: () => flipSignatureBit(prepare(2, 1)) },
  {
    name: 'tampered-signature rejection: a PREPARE whose seq was changed after signing',
    reason: 'bad-signature',
    from: replicaPeer(2),
    frame: () => withSignatureOf(prepare(2, 1), prepare(2, 2).message),
  },
  { name: 'a REQUEST with one signature bit flipped', reason: 'bad-signature', from: clientPeer(0), frame: () => flipSignatureBit(request(0, 1)) },
  {
    name: 'tampered-signature rejection: a REQUEST whose value was changed after signing',
    reason: 'bad-signature',
    from: clientPeer(0),
    frame: () => withSignatureOf(request(0, 1, { type: 'put', key: 'k', value: 'mine' }), request(0, 1, { type: 'put', key: 'k', value: 'theirs' }).message),
  },
  {
    name: 'a REQUEST of client 1 signed with client 2\'s key',
    reason: 'bad-signature',
    from: clientPeer(1),
    frame: () => request(1, 1, undefined, 2).frame,
  },
  {
    name: 'a PRE-PREPARE of view 0 from replica 2, not the primary',
    reason: 'not-from-primary',
    from: replicaPeer(2),
    frame: () => prePrepare(1, VALID_BATCH, { replica: 2 }).frame,
  },
  { name: 'a PREPARE from the primary of its view', reason: 'prepare-from-primary', from: replicaPeer(0), frame: () => prepare(0, 1).frame },
  {
    name: 'a PRE-PREPARE whose digest is not the SHA-256 of its batch, validly signed by the primary',
    reason: 'batch-digest-mismatch',
    from: replicaPeer(0),
    frame: () => prePrepare(1, VALID_BATCH, { digest: digestOf([request(0, 2)]) }).frame,
  },
  {
    name: 'a PRE-PREPARE whose batch was swapped after signing (the signature covers only the header)',
    reason: 'batch-digest-mismatch',
    from: replicaPeer(0),
    frame: () => {
      const original = prePrepare(1, VALID_BATCH);
      return encodeSigned({ ...original.message, batch: [request(1, 1)] }, () => original.signature).frame;
    },
  },
  {
    name: 'a PRE-PREPARE whose batch holds a request signed with the wrong key',
    reason: 'bad-batch',
    from: replicaPeer(0),
    frame: () => prePrepare(1, [request(0, 1), request(1, 1, undefined, 2)]).frame,
  },
  { name: 'a PRE-PREPARE with an empty batch under a digest other than the null request\'s', reason: 'bad-batch', from: replicaPeer(0), frame: () => prePrepare(1, [], { digest: SOME_DIGEST }).frame },
  {
    name: 'a PRE-PREPARE with a batch larger than maxBatch',
    reason: 'bad-batch',
    from: replicaPeer(0),
    frame: () => prePrepare(1, [request(0, 1), request(1, 1), request(2, 1)]).frame,
  },
  {
    name: 'a second PRE-PREPARE for (v=0, n=1) with another digest',
    reason: 'conflicting-pre-prepare',
    from: replicaPeer(0),
    frame: () => prePrepare(1, [request(1, 1)]).frame,
    replica: replicaWithPrePrepareAt1,
    equivocates: true,
  },
  { name: 'a PRE-PREPARE at n = h = 0', reason: 'outside-watermarks', from: replicaPeer(0), frame: () => prePrepare(0, VALID_BATCH).frame },
  { name: 'a PREPARE at n = h = 0', reason: 'outside-watermarks', from: replicaPeer(2), frame: () => prepare(2, 0).frame },
  { name: 'a COMMIT at n = h = 0', reason: 'outside-watermarks', from: replicaPeer(2), frame: () => commit(2, 0).frame },
  { name: 'a CHECKPOINT at n = h = 0', reason: 'outside-watermarks', from: replicaPeer(2), frame: () => checkpoint(2, 0).frame },
  {
    name: 'a PREPARE at n = h = 2 after a stable checkpoint at 2',
    reason: 'outside-watermarks',
    from: replicaPeer(2),
    frame: () => prepare(2, 2).frame,
    replica: () => replicaWithStableCheckpointAt2(),
    // Replica 2 prepared n=2 with the batch's digest on the way to h = 2; this one says SOME_DIGEST.
    equivocates: true,
  },
  {
    name: 'a PREPARE at n = 1 < h = 2',
    reason: 'outside-watermarks',
    from: replicaPeer(3),
    frame: () => prepare(3, 1).frame,
    replica: () => replicaWithStableCheckpointAt2(),
  },
  {
    name: 'a CHECKPOINT at n = h = 2 after a stable checkpoint at 2',
    reason: 'outside-watermarks',
    from: replicaPeer(3),
    frame: () => checkpoint(3, 2).frame,
    replica: () => replicaWithStableCheckpointAt2(),
  },
];

describe('gateway: admit() drops each hostile frame with its reason', () => {
  it.each(DROP_CASES.map((row) => [row.reason, row.name, row] as const))('%s: %s', (reason, _name, row) => {
    const context = (row.replica ?? (() => new Replica(configFor(ME))))();
    const admission = admit(context, row.from, row.frame());
    expect(admission.verdict).toBe('drop');
    expect(admission.verdict === 'drop' && admission.reason).toBe(reason);
  });
});

describe('gateway: a Replica fed each hostile frame drops it and changes nothing', () => {
  it.each(DROP_CASES.map((row) => [row.reason, row.name, row] as const))('%s: %s', (reason, _name, row) => {
    const replica = (row.replica ?? (() => new Replica(configFor(ME))))();
    const before = observableState(replica);
    const outputs = receive(replica, row.from, row.frame());
    const evidence = outputs.filter((output) => output.kind === 'event' && output.event.type === 'evidence');
    expect(outputs.filter((output) => !evidence.includes(output))).toEqual([expect.objectContaining({ kind: 'drop', reason, from: row.from })]);
    expect(evidence.length).toBe(row.equivocates === true ? 1 : 0);
    expect(observableState(replica)).toEqual(before);
  });
});

describe('gateway: context by hand (view 1, h = 4, H = 8), which a replica cannot reach yet without view change', () => {
  const context: GatewayContext = {
    config: configFor(2),
    quorums: quorumsFor(N),
    active: true,
    view: 1,
    lowWatermark: 4,
    highWatermark: 8,
    prePrepareDigest: () => undefined,
    redundancy: () => undefined,
    admitted: () => undefined,
    sessionKeys: undefined,
  };
  const verdictOf = (from: Peer, frame: Uint8Array) => {
    const admission = admit(context, from, frame);
    return admission.verdict === 'drop' ? admission.reason : admission.verdict;
  };

  it('wrong-view: PRE-PREPARE, PREPARE and COMMIT of view 0 when the replica is in view 1', () => {
    expect(verdictOf(replicaPeer(0), prePrepare(5, VALID_BATCH).frame)).toBe('wrong-view');
    expect(verdictOf(replicaPeer(3), prepare(3, 5, 0).frame)).toBe('wrong-view');
    expect(verdictOf(replicaPeer(0), commit(0, 5, 0).frame)).toBe('wrong-view');
  });

  it('outside-watermarks: seq below and at h, in the current view', () => {
    expect(verdictOf(replicaPeer(3), prepare(3, 3, 1).frame)).toBe('outside-watermarks');
    expect(verdictOf(replicaPeer(3), prepare(3, 4, 1).frame)).toBe('outside-watermarks');
    expect(verdictOf(replicaPeer(1), commit(1, 4, 1).frame)).toBe('outside-watermarks');
    expect(verdictOf(replicaPeer(1), prePrepare(4, VALID_BATCH, { view: 1 }).frame)).toBe('outside-watermarks');
    expect(verdictOf(replicaPeer(3), checkpoint(3, 4).frame)).toBe('outside-watermarks');
    expect(verdictOf(replicaPeer(3), checkpoint(3, 2).frame)).toBe('outside-watermarks');
  });

  it('accept: the first and last seq inside the window, h < n <= H', () => {
    expect(verdictOf(replicaPeer(3), prepare(3, 5, 1).frame)).toBe('accept');
    expect(verdictOf(replicaPeer(3), prepare(3, 8, 1).frame)).toBe('accept');
    expect(verdictOf(replicaPeer(1), prePrepare(8, VALID_BATCH, { view: 1 }).frame)).toBe('accept');
  });

  it('future: view above current, seq above H, and both', () => {
    expect(verdictOf(replicaPeer(3), prepare(3, 5, 2).frame)).toBe('future');
    expect(verdictOf(replicaPeer(3), prepare(3, 9, 1).frame)).toBe('future');
    expect(verdictOf(replicaPeer(0), commit(0, 9, 3).frame)).toBe('future');
  });

  it('CHECKPOINT above H is accepted, not buffered: it tells the replica it is behind', () => {
    expect(verdictOf(replicaPeer(3), checkpoint(3, 9).frame)).toBe('accept');
    expect(verdictOf(replicaPeer(3), checkpoint(3, 1000).frame)).toBe('accept');
  });

  it('a future frame is buffered unverified: its signature is checked when it comes due, so replays of it buy no verification now', () => {
    expect(verdictOf(replicaPeer(3), flipSignatureBit(prepare(3, 9, 1)))).toBe('future');
    expect(verdictOf(replicaPeer(3), flipSignatureBit(prepare(3, 5, 2)))).toBe('future');
  });
});

describe('gateway: future frames on a real replica (h = 0, H = 4, view 0)', () => {
  it.each([
    ['a PREPARE of view 1', () => prepare(2, 1, 1)],
    ['a COMMIT of view 1', () => commit(2, 1, 1)],
    ['a PREPARE at n = H + 1 = 5', () => prepare(2, 5)],
    ['a COMMIT at n = H + 1 = 5', () => commit(2, 5)],
  ])('%s is buffered: verdict future, no output, bufferedCount + 1', (_name, signed) => {
    const replica = new Replica(configFor(ME));
    const frame = signed().frame;
    expect(admit(replica, replicaPeer(2), frame).verdict).toBe('future');
    expect(receive(replica, replicaPeer(2), frame)).toEqual([]);
    expect(replica.bufferedCount).toBe(1);
    expect(replica.log.size).toBe(0);
  });

  it('buffered frames go through the gateway again once a stable checkpoint moves H past them', () => {
    const replica = new Replica(configFor(ME));
    receive(replica, replicaPeer(2), prepare(2, 5).frame);
    receive(replica, replicaPeer(3), prepare(3, 6, 1).frame);
    expect(replica.bufferedCount).toBe(2);
    replicaWithStableCheckpointAt2(replica); // h = 2, H = 6: seq 5 is inside now, view 1 is still ahead
    expect(replica.log.get(5)?.prepares.has(2)).toBe(true);
    expect(replica.bufferedCount).toBe(1);
  });

  it('a buffered frame with a bad signature is dropped as bad-signature when it comes due, and a byte-identical copy is buffered once', () => {
    const replica = new Replica(configFor(ME));
    const forged = flipSignatureBit(prepare(3, 5));
    receive(replica, replicaPeer(3), forged);
    expect(receive(replica, replicaPeer(3), forged)).toEqual([expect.objectContaining({ kind: 'drop', reason: 'redundant' })]);
    expect(replica.bufferedCount).toBe(1);
    replicaWithStableCheckpointAt2(replica); // h = 2, H = 6: n = 5 comes due and fails its signature check
    expect(replica.log.get(5)?.prepares.has(3) ?? false).toBe(false);
    expect(replica.bufferedCount).toBe(0);
    expect(admit(replica, replicaPeer(3), forged)).toMatchObject({ verdict: 'drop', reason: 'bad-signature' });
  });

  it('a CHECKPOINT above H is accepted and counted, not buffered', () => {
    const replica = new Replica(configFor(ME));
    const frame = checkpoint(2, 6).frame;
    expect(admit(replica, replicaPeer(2), frame).verdict).toBe('accept');
    expect(receive(replica, replicaPeer(2), frame)).toEqual([]);
    expect(replica.bufferedCount).toBe(0);
  });
});

// ---- drop reasons the replica adds after the gateway -------------------------------------

describe('replica drops past the gateway', () => {
  it('stale-request: a request with t below the client\'s last executed t', () => {
    const replica = new Replica(configFor(ME));
    const outputs = orderOnMe(replica, 1, [request(0, 2)]);
    expect(replica.lastExecuted).toBe(1);
    expect(outputs.filter((output) => output.kind === 'send' && output.signed.message.type === 'reply')).toHaveLength(1);

    const stale = request(0, 1);
    expect(admit(replica, clientPeer(0), stale.frame).verdict).toBe('accept');
    const before = observableState(replica);
    expect(receive(replica, clientPeer(0), stale.frame)).toEqual([
      expect.objectContaining({ kind: 'drop', reason: 'stale-request', from: clientPeer(0), messageType: 'request' }),
    ]);
    expect(observableState(replica)).toEqual(before);
  });

  it('stale-request is not the answer to the same t: that gets the cached REPLY again', () => {
    const replica = new Replica(configFor(ME));
    const first = orderOnMe(replica, 1, [request(0, 2)]).find((output) => output.kind === 'send');
    const again = receive(replica, clientPeer(0), request(0, 2).frame);
    expect(again).toHaveLength(1);
    expect(again[0]!.kind).toBe('send');
    expect(again[0]).toEqual(first);
  });

  it('future-buffer-full: past futureBufferPerSender future-view PREPAREs from one replica, the rest are dropped', () => {
    const replica = new Replica(configFor(ME));
    for (let seq = 1; seq <= FUTURE_BUFFER_PER_SENDER; seq++) {
      expect(receive(replica, replicaPeer(2), prepare(2, seq, 1).frame)).toEqual([]);
    }
    expect(replica.bufferedCount).toBe(FUTURE_BUFFER_PER_SENDER);
    for (let seq = FUTURE_BUFFER_PER_SENDER + 1; seq <= FUTURE_BUFFER_PER_SENDER + 3; seq++) {
      const before = observableState(replica);
      expect(receive(replica, replicaPeer(2), prepare(2, seq, 1).frame)).toEqual([
        expect.objectContaining({ kind: 'drop', reason: 'future-buffer-full', from: replicaPeer(2), messageType: 'prepare' }),
      ]);
      expect(observableState(replica)).toEqual(before);
    }
    expect(replica.bufferedCount).toBe(FUTURE_BUFFER_PER_SENDER);
  });

  it('future-buffer-full is per sender: another replica can still buffer', () => {
    const replica = new Replica(configFor(ME));
    for (let seq = 1; seq <= FUTURE_BUFFER_PER_SENDER + 1; seq++) receive(replica, replicaPeer(2), prepare(2, seq, 1).frame);
    expect(receive(replica, replicaPeer(3), prepare(3, 1, 1).frame)).toEqual([]);
    expect(replica.bufferedCount).toBe(FUTURE_BUFFER_PER_SENDER + 1);
  });

  it('checkpoint-buffer-full: one replica\'s CHECKPOINTs above h are kept up to L/K + 2, the rest dropped', () => {
    const replica = new Replica(configFor(ME));
    const cap = L / K + 2;
    for (let seq = 1; seq <= cap; seq++) expect(receive(replica, replicaPeer(2), checkpoint(2, seq * K).frame)).toEqual([]);
    const before = observableState(replica);
    expect(receive(replica, replicaPeer(2), checkpoint(2, (cap + 1) * K).frame)).toEqual([
      expect.objectContaining({ kind: 'drop', reason: 'checkpoint-buffer-full', from: replicaPeer(2), messageType: 'checkpoint' }),
    ]);
    expect(observableState(replica)).toEqual(before);
  });
});
