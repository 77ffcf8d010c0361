// View change and state transfer on four real Replica instances (n=4, f=1), wired by the
// synchronous pump of test/support/pump.ts, with real Ed25519 keys. The scenarios follow
// Castro & Liskov, OSDI'99: the view-change timer and the NEW-VIEW computation (§4.4),
// liveness rules (§4.5.2), and state transfer with certified checkpoints (§4.3; TOCS 2002).
// Byzantine replicas are played by the test: it silences a replica's outputs, or signs
// messages with a replica's real key that the replica itself would never send.

import { describe, expect, it } from 'vitest';
import { attachBatch, decodeMessage, encodeBatch, headerOf } from '../../src/core/encoding.ts';
import { admit } from '../../src/core/gateway.ts';
import type {
  BatchReply,
  CommitCertificate,
  FetchBatch,
  Message,
  NewView,
  PreparedCertificate,
  PrePrepare,
  PrePrepareHeader,
  Prepare,
  Signed,
  SignedRequest,
  StateTransfer,
  ViewChange,
} from '../../src/core/messages.ts';
import { NULL_DIGEST, planNewView } from '../../src/core/new-view.ts';
import type { Replica } from '../../src/core/replica.ts';
import { crypto, hex, Pump, TEST_PARAMETERS, type Envelope, type Outbound } from '../support/pump.ts';

/** T of §4.5.2. */
const T = TEST_PARAMETERS.viewChangeTimeoutMs;

const digestOf = (batch: readonly SignedRequest[]): Uint8Array => crypto.sha256(encodeBatch(batch));

/** The frame as it travels, decoded again: what a receiver would see. */
function decoded<M extends Message>(signed: Signed, type: M['type']): Signed<M> {
  const again = decodeMessage(signed.frame);
  if (again.message.type !== type) throw new Error(`expected ${type}, got ${again.message.type}`);
  return again as Signed<M>;
}

/** Every VIEW-CHANGE for `view` that replica `id` broadcast (resends included), decoded. */
function viewChangesBy(pump: Pump, id: number, view: number): Signed<ViewChange>[] {
  return pump
    .broadcastsBy(id, 'view-change')
    .map((signed) => decoded<ViewChange>(signed, 'view-change'))
    .filter((signed) => signed.message.newView === view);
}

function newViewsBy(pump: Pump, id: number, view: number): Signed<NewView>[] {
  return pump
    .broadcastsBy(id, 'new-view')
    .map((signed) => decoded<NewView>(signed, 'new-view'))
    .filter((signed) => signed.message.newView === view);
}

/** O as (v, n, d) triples, digests in hex. */
const describeO = (newView: NewView) => newView.prePrepares.map(({ message }) => ({ view: message.view, seq: message.seq, digest: hex(message.digest) }));

/** (n, d) of every batch replica `id` executed, in order. */
const executedBy = (pump: Pump, id: number) => pump.eventsOf(id, 'executed').map(({ seq, digest }) => ({ seq, digest: hex(digest) }));

/** Outputs of the replicas in `ids` never reach the network. */
const silence =
  (...ids: number[]) =>
  (from: number, output: Outbound): Signed | undefined =>
    ids.includes(from) ? undefined : output.signed;

const isViewZeroCommit = ({ signed }: Envelope) => signed.message.type === 'commit' && signed.message.view === 0;

/** Everything a checkpoint digests (§4.3): the store and the client table. */
function stateOf(replica: Replica): { store: string; clients: string; nextVersion: number; lastExecuted: number } {
  return { store: hex(replica.store.digest()), clients: hex(replica.clients.encode()), nextVersion: replica.store.nextVersion, lastExecuted: replica.lastExecuted };
}

/** Primary 0 orders `request` at n=1; every replica prepares it, but no COMMIT of view 0 arrives anywhere. */
function preparedNowhereCommitted(pump: Pump, request: SignedRequest): void {
  pump.fate = (envelope) => (isViewZeroCommit(envelope) ? 'lose' : 'deliver');
  pump.request(request);
  pump.run();
  for (const replica of pump.replicas) {
    expect(replica.log.get(1)?.prepared).toBe(true);
    expect(replica.log.get(1)?.committed).toBe(false);
  }
}

describe("view change: the timer (OSDI'99 §4.4), n=4, f=1", () => {
  it('a backup holding a request the primary never orders sends VIEW-CHANGE for view 1 when T elapses, and not a tick before', () => {
    const pump = new Pump();
    pump.outbound = silence(0);
    pump.request(pump.signRequest(0, 1), 1);
    pump.run();

    pump.advance(T - 1, 100);
    expect(pump.eventsOf(1, 'view-change')).toEqual([]);
    expect(pump.broadcastsBy(1, 'view-change')).toEqual([]);
    expect([pump.replica(1).view, pump.replica(1).active]).toEqual([0, true]);

    pump.advance(T);
    expect(pump.timed('view-change').map(({ replica, nowMs, event }) => ({ replica, nowMs, event }))).toEqual([
      { replica: 1, nowMs: T, event: { type: 'view-change', view: 1, reason: 'timeout', prepared: [] } },
    ]);
    const [viewChange] = viewChangesBy(pump, 1, 1);
    expect(viewChange?.message).toMatchObject({ type: 'view-change', newView: 1, stableSeq: 0, prepared: [], replica: 1 });
    expect([pump.replica(1).view, pump.replica(1).active]).toEqual([1, false]);
  });

  it('backups holding no request never start a view change, however long they tick, even with the primary silent', () => {
    const pump = new Pump();
    pump.outbound = silence(0);
    pump.request(pump.signRequest(0, 1), 1);
    pump.run();
    pump.advance(20 * T, 250);

    for (const id of [2, 3]) {
      expect(pump.eventsOf(id, 'view-change')).toEqual([]);
      expect([pump.replica(id).view, pump.replica(id).active]).toEqual([0, true]);
    }
    // §4.5.2: replica 1's timer restarts only once 2f+1 replicas want view 1; alone, it waits there.
    expect(pump.eventsOf(1, 'view-change').map(({ view }) => view)).toEqual([1]);
  });

  it('the timer stops when the waiting request executes: no replica changes view afterwards, however long it ticks', () => {
    const pump = new Pump();
    pump.request(pump.signRequest(0, 1), 2);
    pump.run();
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([1, 1, 1, 1]);
    pump.advance(20 * T, 250);
    expect(pump.timed('view-change')).toEqual([]);
    expect(pump.replicas.map((replica) => [replica.view, replica.active])).toEqual([[0, true], [0, true], [0, true], [0, true]]);
  });
});

describe("view change: f faulty replicas cannot force one (OSDI'99 §4.5.2), n=4, f=1", () => {
  it("one backup's VIEW-CHANGE for view 1, resent for 5T, leaves the others active in view 0, executing new requests", () => {
    const pump = new Pump();
    // Replica 3's relay of the request to the primary is lost, so only replica 3 is waiting.
    pump.fate = ({ from, to, signed }) => (from.kind === 'replica' && from.id === 3 && to === 0 && signed.message.type === 'request' ? 'lose' : 'deliver');
    pump.request(pump.signRequest(0, 1), 3);
    pump.run();
    pump.advance(5 * T, 100);

    expect(pump.eventsOf(3, 'view-change')).toEqual([{ type: 'view-change', view: 1, reason: 'timeout', prepared: [] }]);
    expect(viewChangesBy(pump, 3, 1).length).toBeGreaterThan(1);
    for (const id of [0, 1, 2]) {
      expect(pump.eventsOf(id, 'view-change')).toEqual([]);
      expect([pump.replica(id).view, pump.replica(id).active]).toEqual([0, true]);
    }

    pump.request(pump.signRequest(1, 1), 0);
    pump.run();
    for (const id of [0, 1, 2]) expect(pump.eventsOf(id, 'executed').map(({ seq, view }) => ({ seq, view }))).toEqual([{ seq: 1, view: 0 }]);
    const results = pump.repliesFor(1, 1).filter(({ from }) => from !== 3);
    expect(results.map(({ from }) => from).sort()).toEqual([0, 1, 2]);
    expect(new Set(results.map(({ signed }) => JSON.stringify(signed.message.result))).size).toBe(1);
  });

  function handSignedViewChange(pump: Pump, replica: number, newView: number): Signed<ViewChange> {
    return pump.sign<ViewChange>({ type: 'view-change', newView, stableSeq: 0, checkpointProof: [], prepared: [], replica });
  }

  it.each([
    { first: 3, second: 1, joins: 1 },
    { first: 1, second: 3, joins: 1 },
    { first: 2, second: 3, joins: 2 },
  ])('VIEW-CHANGEs for views $first then $second from f+1 = 2 other replicas: replica 1 joins view $joins, the smallest of them', ({ first, second, joins }) => {
    const pump = new Pump();
    pump.inject(2, 1, handSignedViewChange(pump, 2, first));
    pump.run();
    expect(pump.eventsOf(1, 'view-change')).toEqual([]);
    expect(pump.replica(1).view).toBe(0);

    pump.inject(3, 1, handSignedViewChange(pump, 3, second));
    pump.run();
    expect(pump.eventsOf(1, 'view-change')).toEqual([{ type: 'view-change', view: joins, reason: 'joined', prepared: [] }]);
    expect(viewChangesBy(pump, 1, joins).map(({ message }) => message.replica)).toEqual([1]);
    expect([pump.replica(1).view, pump.replica(1).active]).toEqual([joins, false]);
  });

  it('two VIEW-CHANGEs of one replica, for views 1 and 2, count once: nobody joins', () => {
    const pump = new Pump();
    pump.inject(3, 1, handSignedViewChange(pump, 3, 1));
    pump.inject(3, 1, handSignedViewChange(pump, 3, 2));
    pump.run();
    expect(pump.timed('view-change')).toEqual([]);
    expect([pump.replica(1).view, pump.replica(1).active]).toEqual([0, true]);
  });
});

describe("view change: NEW-VIEW and O (OSDI'99 §4.4), silent primary, n=4, f=1, K=2, L=4", () => {
  it('O covers exactly (h, max-s] with the prepared digests and a null request for the gap; all replicas enter view 1 and execute there', () => {
    const pump = new Pump({ parameters: { checkpointInterval: 2, logWindow: 4 } });
    for (let t = 1; t <= 2; t++) {
      pump.request(pump.signRequest(0, t));
      pump.run();
    }
    expect(pump.replicas.map((replica) => [replica.lastExecuted, replica.lowWatermark])).toEqual([[2, 2], [2, 2], [2, 2], [2, 2]]);

    // n=3's PRE-PREPARE is lost everywhere; n=4 prepares, but its COMMITs are lost.
    pump.fate = (envelope) => {
      const message = envelope.signed.message;
      if (message.type === 'pre-prepare' && message.view === 0 && message.seq === 3) return 'lose';
      return isViewZeroCommit(envelope) ? 'lose' : 'deliver';
    };
    const lost = pump.signRequest(2, 1);
    const kept = pump.signRequest(3, 1);
    pump.request(lost);
    pump.run();
    pump.request(kept);
    pump.run();
    expect(pump.replicas.map((replica) => replica.log.get(4)?.prepared)).toEqual([true, true, true, true]);
    expect(pump.replicas.map((replica) => replica.log.get(3)?.prePrepare === undefined)).toEqual([false, true, true, true]);

    pump.outbound = silence(0);
    pump.advance(T, 50);

    for (const id of [1, 2, 3]) {
      expect(pump.eventsOf(id, 'view-change')).toEqual([{ type: 'view-change', view: 1, reason: 'timeout', prepared: [4] }]);
    }
    const [newView] = newViewsBy(pump, 1, 1);
    expect(newView).toBeDefined();
    expect(crypto.verify(pump.replicaKeyPairs[1]!.publicKey, newView!.signedBytes, newView!.signature)).toBe(true);
    expect(new Set(newView!.message.viewChanges.map(({ message }) => message.replica)).size).toBe(3);
    expect(describeO(newView!.message)).toEqual([
      { view: 1, seq: 3, digest: hex(NULL_DIGEST) },
      { view: 1, seq: 4, digest: hex(digestOf([kept])) },
    ]);
    for (const id of [0, 1, 2, 3]) {
      expect(pump.eventsOf(id, 'new-view')).toEqual([{ type: 'new-view', view: 1, minS: 2, maxS: 4, nulls: 1 }]);
      expect([pump.replica(id).view, pump.replica(id).active]).toEqual([1, true]);
    }

    const fresh = pump.signRequest(4, 1);
    pump.request(fresh, 1);
    pump.run();
    const live = [1, 2, 3];
    for (const id of live) {
      const executed = pump.eventsOf(id, 'executed').filter(({ seq }) => seq > 2);
      expect(executed.map(({ view, seq, digest, executions }) => ({ view, seq, digest: hex(digest), requests: executions.length }))).toEqual([
        { view: 1, seq: 3, digest: hex(NULL_DIGEST), requests: 0 },
        { view: 1, seq: 4, digest: hex(digestOf([kept])), requests: 1 },
        { view: 1, seq: 5, digest: hex(digestOf([fresh])), requests: 1 },
      ]);
    }
    const replies = pump.repliesFor(4, 1).filter(({ from }) => live.includes(from));
    expect(replies.map(({ from }) => from).sort()).toEqual(live);
    expect(replies.every(({ signed }) => signed.message.view === 1)).toBe(true);
    expect(new Set(replies.map(({ signed }) => JSON.stringify(signed.message.result))).size).toBe(1);
    expect(new Set(live.map((id) => JSON.stringify(stateOf(pump.replica(id))))).size).toBe(1);
  });
});

describe("view change: O carries digests only (OSDI'99 §4.4), n=4, f=1", () => {
  it('a backup that never saw the batch of an O entry fetches it, refuses a reply that does not hash to d, and executes the right batch at n=1', () => {
    const pump = new Pump();
    const request = pump.signRequest(0, 1);
    // Replica 3 never receives view 0's PRE-PREPARE; no COMMIT of view 0 arrives anywhere.
    pump.fate = (envelope) => {
      const message = envelope.signed.message;
      const toReplica3 = envelope.to === 3 && message.type === 'pre-prepare' && message.view === 0;
      return toReplica3 || isViewZeroCommit(envelope) ? 'lose' : 'deliver';
    };
    pump.request(request);
    pump.run();
    expect(pump.replicas.map((replica) => replica.log.get(1)?.prepared ?? false)).toEqual([true, true, true, false]);

    // Primary 0 goes silent; replica 1 answers FETCH-BATCH with another (validly signed) batch.
    const decoy = pump.signRequest(5, 1);
    pump.outbound = (from, output) => {
      const message = output.signed.message;
      if (from === 0) return undefined;
      if (from === 1 && message.type === 'batch') return pump.sign<BatchReply>({ ...message, batch: [decoy] });
      return output.signed;
    };
    const waiting = pump.signRequest(1, 1);
    for (const id of [1, 2, 3]) pump.request(waiting, id);
    pump.run();
    pump.advance(T, 50);

    expect(pump.broadcastsBy(3, 'fetch-batch').map((signed) => hex(decoded<FetchBatch>(signed, 'fetch-batch').message.digest))).toEqual([hex(digestOf([request]))]);
    expect(pump.dropsAt(3).map(({ reason, from, messageType }) => ({ reason, from: from.id, messageType }))).toEqual([{ reason: 'bad-batch', from: 1, messageType: 'batch' }]);
    for (const id of [1, 2, 3]) {
      expect(pump.eventsOf(id, 'new-view').map(({ view }) => view)).toEqual([1]);
      // n=1 from O, then n=2: the new primary orders the request it held as a backup.
      expect(executedBy(pump, id)).toEqual([
        { seq: 1, digest: hex(digestOf([request])) },
        { seq: 2, digest: hex(digestOf([waiting])) },
      ]);
    }
    expect(pump.eventsOf(3, 'executed')[0]?.executions.map(({ request: executed }) => hex(executed.frame))).toEqual([hex(request.frame)]);
  });
});

describe("view change: a request committed in an earlier view keeps its sequence number (OSDI'99 §4.4), n=4, f=1", () => {
  it('n=1 committed at replicas 0-2 in view 0 but only prepared at 3: after view 1 all live replicas executed the same digest at n=1, once', () => {
    const pump = new Pump();
    const first = pump.signRequest(0, 1);
    // View 0's COMMITs, and any commit certificate, never reach replica 3.
    const starveReplica3 = ({ to, signed }: Envelope) =>
      to === 3 && ((signed.message.type === 'commit' && signed.message.view === 0) || signed.message.type === 'commit-certificate');
    pump.fate = (envelope) => (starveReplica3(envelope) ? 'lose' : 'deliver');
    pump.request(first);
    pump.run();
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([1, 1, 1, 0]);
    expect([pump.replica(3).log.get(1)?.prepared, pump.replica(3).log.get(1)?.committed]).toEqual([true, false]);

    // The primary crashes; client 1's request reaches the backups, which relay it in vain.
    pump.fate = (envelope) => (envelope.to === 0 || starveReplica3(envelope) ? 'lose' : 'deliver');
    pump.outbound = silence(0);
    const second = pump.signRequest(1, 1);
    for (const id of [1, 2, 3]) pump.request(second, id);
    pump.run();
    pump.advance(T, 50);
    for (const id of [1, 2, 3]) expect(pump.eventsOf(id, 'new-view')).toEqual([{ type: 'new-view', view: 1, minS: 0, maxS: 1, nulls: 0 }]);

    // Client 1 retransmits to the new primary (§4.1).
    pump.request(second, 1);
    pump.run();

    const expected = [
      { seq: 1, digest: hex(digestOf([first])) },
      { seq: 2, digest: hex(digestOf([second])) },
    ];
    for (const id of [1, 2, 3]) {
      expect(executedBy(pump, id)).toEqual(expected);
      expect(pump.replica(id).store.nextVersion).toBe(3);
    }
    // Replica 3 learned n=1 committed only through view 1's O.
    expect(pump.eventsOf(3, 'executed').map(({ view }) => view)).toEqual([1, 1]);
    expect(pump.eventsOf(1, 'executed').map(({ view }) => view)).toEqual([0, 1]);
    const firstReplies = pump.repliesFor(0, 1);
    expect(firstReplies.map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(firstReplies.map(({ signed }) => JSON.stringify(signed.message.result))).size).toBe(1);
    expect(new Set([1, 2, 3].map((id) => JSON.stringify(stateOf(pump.replica(id))))).size).toBe(1);
  });
});

describe("view change: prepared certificates survive a failed view change (OSDI'99 §4.4, §4.5.2), n=4, f=1", () => {
  it('with the primary of view 1 silent, the cluster moves to view 2 after T; its VIEW-CHANGEs and NEW-VIEW carry view 0\'s certificate; view 2 waits 2T', () => {
    const pump = new Pump();
    const request = pump.signRequest(0, 1);
    const digest = hex(digestOf([request]));
    preparedNowhereCommitted(pump, request);

    // Replica 1, the primary of view 1, goes silent. The NEW-VIEW for view 2 is held, to time the wait for it.
    pump.outbound = silence(1);
    pump.fate = (envelope) => {
      if (isViewZeroCommit(envelope)) return 'lose';
      const message = envelope.signed.message;
      return message.type === 'new-view' && message.newView === 2 ? 'hold' : 'deliver';
    };
    pump.advance(4 * T - 1, 50);

    const changes = pump.timed('view-change').filter(({ replica }) => replica !== 1);
    const at = (view: number) => changes.filter(({ event }) => event.view === view).map(({ replica, nowMs, event }) => ({ replica, nowMs, reason: event.reason, prepared: event.prepared }));
    // §4.4: backups 2 and 3 time out in view 0; replica 0 joins them (f+1).
    expect(at(1)).toEqual([
      { replica: 2, nowMs: T, reason: 'timeout', prepared: [1] },
      { replica: 3, nowMs: T, reason: 'timeout', prepared: [1] },
      { replica: 0, nowMs: T, reason: 'joined', prepared: [1] },
    ]);
    // §4.5.2: 2f+1 VIEW-CHANGEs for view 1 were held at T; no NEW-VIEW came within T.
    expect(at(2)).toEqual([
      { replica: 0, nowMs: 2 * T, reason: 'timeout', prepared: [1] },
      { replica: 2, nowMs: 2 * T, reason: 'timeout', prepared: [1] },
      { replica: 3, nowMs: 2 * T, reason: 'timeout', prepared: [1] },
    ]);
    // The wait for view 2 is 2T: at 3T, where an undoubled timer would fire, nobody moved to view 3.
    expect(at(3)).toEqual([]);
    expect([0, 2, 3].map((id) => pump.replica(id).view)).toEqual([2, 2, 2]);

    for (const id of [0, 2, 3]) {
      const [viewChange] = viewChangesBy(pump, id, 2);
      expect(viewChange?.message.prepared).toHaveLength(1);
      const certificate = viewChange!.message.prepared[0]!;
      expect(certificate.prePrepare.message).toMatchObject({ view: 0, seq: 1, replica: 0 });
      expect(hex(certificate.prePrepare.message.digest)).toBe(digest);
      expect(crypto.verify(pump.replicaKeyPairs[0]!.publicKey, certificate.prePrepare.signedBytes, certificate.prePrepare.signature)).toBe(true);
      expect(new Set(certificate.prepares.map(({ message }) => message.replica)).size).toBe(2);
      for (const prepare of certificate.prepares) {
        expect(prepare.message).toMatchObject({ view: 0, seq: 1 });
        expect(hex(prepare.message.digest)).toBe(digest);
        expect(crypto.verify(pump.replicaKeyPairs[prepare.message.replica]!.publicKey, prepare.signedBytes, prepare.signature)).toBe(true);
      }
    }
    const [newView] = newViewsBy(pump, 2, 2);
    expect(newView).toBeDefined();
    expect(describeO(newView!.message)).toEqual([{ view: 2, seq: 1, digest }]);
    expect(pump.held.length).toBeGreaterThan(0);

    pump.fate = (envelope) => (isViewZeroCommit(envelope) ? 'lose' : 'deliver');
    pump.release();
    pump.run();
    for (const id of [0, 2, 3]) {
      expect(pump.eventsOf(id, 'new-view').map(({ view }) => view)).toEqual([2]);
      expect(pump.eventsOf(id, 'executed').map(({ view, seq, digest: executed }) => ({ view, seq, digest: hex(executed) }))).toEqual([{ view: 2, seq: 1, digest }]);
      expect(pump.replica(id).store.nextVersion).toBe(2);
    }
  });
});

describe("view change: backups recompute O from V (OSDI'99 §4.4), n=4, f=1", () => {
  /** n=1 prepared everywhere in view 0; primary 0 silent; backups 1-3 sent VIEW-CHANGE for view 1; replica 1's NEW-VIEW is kept off the network. */
  function awaitingNewView() {
    const pump = new Pump();
    const request = pump.signRequest(0, 1);
    preparedNowhereCommitted(pump, request);
    pump.outbound = (from, output) => (from === 0 || (from === 1 && output.signed.message.type === 'new-view') ? undefined : output.signed);
    pump.advance(T, 100);
    const viewChanges = [1, 2, 3].map((id) => viewChangesBy(pump, id, 1)[0]!);
    const [honest] = newViewsBy(pump, 1, 1);
    for (const id of [2, 3]) expect([pump.replica(id).view, pump.replica(id).active]).toEqual([1, false]);
    return { pump, digest: digestOf([request]), viewChanges, honest: honest! };
  }

  it('the NEW-VIEW replica 1 computed itself is accepted by backups 2 and 3, which execute n=1 in view 1 (control)', () => {
    const { pump, digest, honest } = awaitingNewView();
    for (const id of [2, 3]) pump.inject(1, id, honest);
    pump.run();
    for (const id of [2, 3]) {
      expect(pump.eventsOf(id, 'new-view')).toEqual([{ type: 'new-view', view: 1, minS: 0, maxS: 1, nulls: 0 }]);
      expect(executedBy(pump, id)).toEqual([{ seq: 1, digest: hex(digest) }]);
    }
    expect(pump.drops.filter(({ reason }) => reason === 'bad-new-view')).toEqual([]);
  });

  const forgeries: { name: string; entries: (digest: Uint8Array) => { seq: number; digest: Uint8Array }[] }[] = [
    { name: 'another digest at n=1', entries: () => [{ seq: 1, digest: crypto.sha256(new TextEncoder().encode('not the batch')) }] },
    { name: 'n=1 left out', entries: () => [] },
    { name: 'a null request where V holds a prepared certificate', entries: () => [{ seq: 1, digest: NULL_DIGEST }] },
    { name: 'an extra null request above max-s', entries: (digest) => [{ seq: 1, digest }, { seq: 2, digest: NULL_DIGEST }] },
  ];

  for (const { name, entries } of forgeries) {
    it(`O with ${name}, signed by replica 1 with its real key, is rejected by every correct backup, which moves to view 2`, () => {
      const { pump, digest, viewChanges } = awaitingNewView();
      const prePrepares = entries(digest).map(({ seq, digest: entryDigest }) =>
        headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq, digest: entryDigest, replica: 1, batch: [] })),
      );
      const forged = pump.sign<NewView>({ type: 'new-view', newView: 1, viewChanges, prePrepares, replica: 1 });
      for (const id of [2, 3]) pump.inject(1, id, forged);
      pump.run();

      for (const id of [2, 3]) {
        const drops = pump.dropsAt(id).filter(({ reason }) => reason === 'bad-new-view');
        expect(drops.map(({ from, messageType }) => ({ from, messageType }))).toEqual([{ from: { kind: 'replica', id: 1 }, messageType: 'new-view' }]);
        expect(pump.eventsOf(id, 'new-view').filter(({ view }) => view === 1)).toEqual([]);
        expect(pump.eventsOf(id, 'view-change')).toContainEqual({ type: 'view-change', view: 2, reason: 'bad-new-view', prepared: [1] });
        expect(pump.replica(id).view).toBeGreaterThanOrEqual(2);
        expect(pump.eventsOf(id, 'executed').filter(({ view }) => view === 1)).toEqual([]);
      }
    });
  }

  it('after rejecting a forged O, the cluster completes the change to view 2 under replica 2 and executes n=1 there, once', () => {
    const { pump, digest, viewChanges } = awaitingNewView();
    const forged = pump.sign<NewView>({ type: 'new-view', newView: 1, viewChanges, prePrepares: [], replica: 1 });
    for (const id of [2, 3]) pump.inject(1, id, forged);
    pump.run();
    for (const id of [2, 3]) {
      expect(pump.eventsOf(id, 'new-view').map(({ view }) => view)).toEqual([2]);
      expect(pump.eventsOf(id, 'executed').map(({ view, seq, digest: executed }) => ({ view, seq, digest: hex(executed) }))).toEqual([{ view: 2, seq: 1, digest: hex(digest) }]);
    }
  });

  const highestViewCases = [
    { title: 'O carrying the view-1 digest at n=1 is accepted', pick: 'newer', accepted: true },
    { title: 'O carrying the view-0 digest at n=1 is rejected as bad-new-view', pick: 'older', accepted: false },
  ] as const;
  for (const { title, pick, accepted } of highestViewCases) {
    it(`V holding certificates for n=1 from views 0 and 1, the highest view wins: ${title}`, () => {
      // A history the replicas really signed: d0 prepared in view 0 at replica 0 only, then
      // view 1 prepared d1 at n=1. Only the view-1 certificate can be committed (§4.4).
      const pump = new Pump();
      const older = digestOf([pump.signRequest(0, 1)]);
      const newer = digestOf([pump.signRequest(1, 1)]);
      const certificate = (view: number, digest: Uint8Array): PreparedCertificate => {
        const primary = view % pump.n;
        const backups = [1, 2, 3, 0].filter((id) => id !== primary).slice(0, 2);
        return {
          prePrepare: headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view, seq: 1, digest, replica: primary, batch: [] })),
          prepares: backups.map((replica) => pump.sign<Prepare>({ type: 'prepare', view, seq: 1, digest, replica })),
        };
      };
      const viewChange = (replica: number, prepared: PreparedCertificate[]) =>
        pump.sign<ViewChange>({ type: 'view-change', newView: 2, stableSeq: 0, checkpointProof: [], prepared, replica });
      const viewChanges = [viewChange(0, [certificate(0, older)]), viewChange(1, [certificate(1, newer)]), viewChange(2, [])];
      const digest = pick === 'newer' ? newer : older;
      const prePrepares = [headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view: 2, seq: 1, digest, replica: 2, batch: [] }))];
      pump.inject(2, 3, pump.sign<NewView>({ type: 'new-view', newView: 2, viewChanges, prePrepares, replica: 2 }));
      pump.run();

      expect(pump.eventsOf(3, 'new-view').map(({ view }) => view)).toEqual(accepted ? [2] : []);
      expect(pump.dropsAt(3).filter(({ reason }) => reason === 'bad-new-view')).toHaveLength(accepted ? 0 : 1);
    });
  }
});

describe("view change: the gateway checks V and P (OSDI'99 §4.4), n=4, f=1", () => {
  const pump = new Pump();
  const digest = digestOf([pump.signRequest(0, 1)]);
  const otherDigest = digestOf([pump.signRequest(1, 1)]);

  const header = ({ replica = 0, signer = replica, view = 0 }: { replica?: number; signer?: number; view?: number } = {}): Signed<PrePrepareHeader> =>
    headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view, seq: 1, digest, replica, batch: [] }, signer));
  const prepare = (replica: number, { signer = replica, view = 0, prepared = digest }: { signer?: number; view?: number; prepared?: Uint8Array } = {}): Signed<Prepare> =>
    pump.sign<Prepare>({ type: 'prepare', view, seq: 1, digest: prepared, replica }, signer);
  const viewChange = (replica: number, prepared: readonly PreparedCertificate[] = [], newView = 1): Signed<ViewChange> =>
    pump.sign<ViewChange>({ type: 'view-change', newView, stableSeq: 0, checkpointProof: [], prepared, replica });
  /** A NEW-VIEW for view 1 from its primary, replica 1, with O computed from V as a correct primary would. */
  const newViewOf = (viewChanges: readonly Signed<ViewChange>[]): Signed<NewView> => {
    const plan = planNewView(viewChanges.map(({ message }) => message));
    const prePrepares = plan.digests.map(({ seq, digest: entry }) => headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq, digest: entry, replica: 1, batch: [] })));
    return pump.sign<NewView>({ type: 'new-view', newView: 1, viewChanges, prePrepares, replica: 1 });
  };

  const genuine: PreparedCertificate = { prePrepare: header(), prepares: [prepare(1), prepare(2)] };
  const fabricated: { name: string; certificate: PreparedCertificate }[] = [
    { name: "a PREPARE of replica 2 signed with replica 3's key", certificate: { prePrepare: header(), prepares: [prepare(1), prepare(2, { signer: 3 })] } },
    { name: 'a PRE-PREPARE header of view 0 from replica 1, not primary(0)', certificate: { prePrepare: header({ replica: 1 }), prepares: [prepare(2), prepare(3)] } },
    { name: "a PRE-PREPARE header naming replica 0 but signed with replica 1's key", certificate: { prePrepare: header({ signer: 1 }), prepares: [prepare(1), prepare(2)] } },
    { name: 'only f = 1 PREPARE', certificate: { prePrepare: header(), prepares: [prepare(1)] } },
    { name: 'one PREPARE counted twice', certificate: { prePrepare: header(), prepares: [prepare(1), prepare(1)] } },
    { name: 'a PREPARE from primary(0) itself', certificate: { prePrepare: header(), prepares: [prepare(0), prepare(1)] } },
    { name: 'PREPAREs for another digest', certificate: { prePrepare: header(), prepares: [prepare(1, { prepared: otherDigest }), prepare(2, { prepared: otherDigest })] } },
    { name: 'a certificate from view 1, the view it asks to move to', certificate: { prePrepare: header({ replica: 1, view: 1 }), prepares: [prepare(2, { view: 1 }), prepare(3, { view: 1 })] } },
  ];

  /** A fresh cluster in which replica 2 receives `frames`, one by one, each from the replica named. */
  function atReplica2(frames: readonly { from: number; signed: Signed }[]): Pump {
    const cluster = new Pump();
    for (const { from, signed } of frames) {
      cluster.inject(from, 2, signed);
      cluster.run();
    }
    return cluster;
  }

  it('a VIEW-CHANGE carrying a genuine prepared certificate counts: with one more from replica 1, replica 2 joins view 1 (control)', () => {
    const cluster = atReplica2([
      { from: 3, signed: viewChange(3, [genuine]) },
      { from: 1, signed: viewChange(1) },
    ]);
    expect(cluster.dropsAt(2)).toEqual([]);
    expect(cluster.eventsOf(2, 'view-change')).toEqual([{ type: 'view-change', view: 1, reason: 'joined', prepared: [] }]);
  });

  for (const { name, certificate } of fabricated) {
    it(`a VIEW-CHANGE whose P holds ${name} is dropped as bad-view-change and does not count towards f+1`, () => {
      const bad = viewChange(3, [certificate]);
      const cluster = new Pump();
      const admission = admit(cluster.replica(2), { kind: 'replica', id: 3 }, bad.frame);
      expect(admission).toMatchObject({ verdict: 'drop', reason: 'bad-view-change' });

      const after = atReplica2([
        { from: 3, signed: bad },
        { from: 1, signed: viewChange(1) },
      ]);
      expect(after.dropsAt(2).map(({ reason, messageType, from }) => ({ reason, messageType, from: from.id }))).toEqual([{ reason: 'bad-view-change', messageType: 'view-change', from: 3 }]);
      expect(after.eventsOf(2, 'view-change')).toEqual([]);
      expect([after.replica(2).view, after.replica(2).active]).toEqual([0, true]);
    });
  }

  it('a NEW-VIEW whose V holds 2f+1 valid VIEW-CHANGEs and O computed from them is accepted (control)', () => {
    const cluster = atReplica2([{ from: 1, signed: newViewOf([viewChange(1), viewChange(2), viewChange(3, [genuine])]) }]);
    expect(cluster.dropsAt(2)).toEqual([]);
    expect(cluster.eventsOf(2, 'new-view')).toEqual([{ type: 'new-view', view: 1, minS: 0, maxS: 1, nulls: 0 }]);
  });

  const badViews: { name: string; newView: () => Signed<NewView> }[] = [
    { name: 'only 2f = 2 VIEW-CHANGEs in V', newView: () => newViewOf([viewChange(1), viewChange(3)]) },
    { name: 'replica 3 twice in V', newView: () => newViewOf([viewChange(1), viewChange(3), viewChange(3)]) },
    { name: 'a VIEW-CHANGE for view 2 in V', newView: () => newViewOf([viewChange(1), viewChange(2), viewChange(3, [], 2)]) },
    ...fabricated.map(({ name, certificate }) => ({ name: `a VIEW-CHANGE in V whose P holds ${name}`, newView: () => newViewOf([viewChange(1), viewChange(2), viewChange(3, [certificate])]) })),
  ];

  it('a NEW-VIEW whose O holds L+1 entries is refused on its length, before the signature of any header is checked', () => {
    const logWindow = pump.replica(2).config.logWindow;
    const base = newViewOf([viewChange(1), viewChange(2), viewChange(3)]).message;
    // Headers signed with replica 3's key: checked one by one, the first would fail on its signature.
    const prePrepares = Array.from({ length: logWindow + 1 }, (_, index) => headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq: index + 1, digest, replica: 1, batch: [] }, 3)));
    const frame = pump.sign<NewView>({ ...base, prePrepares });
    expect(admit(new Pump().replica(2), { kind: 'replica', id: 1 }, frame.frame)).toMatchObject({ verdict: 'drop', reason: 'bad-new-view', detail: `O holds ${logWindow + 1} entries, more than L=${logWindow}` });
  });

  for (const { name, newView } of badViews) {
    it(`a NEW-VIEW with ${name} is dropped by the gateway as bad-new-view; the replica stays in view 0`, () => {
      const frame = newView();
      const cluster = new Pump();
      expect(admit(cluster.replica(2), { kind: 'replica', id: 1 }, frame.frame)).toMatchObject({ verdict: 'drop', reason: 'bad-new-view' });

      const after = atReplica2([{ from: 1, signed: frame }]);
      expect(after.dropsAt(2).map(({ reason, messageType, from }) => ({ reason, messageType, from: from.id }))).toEqual([{ reason: 'bad-new-view', messageType: 'new-view', from: 1 }]);
      // Dropped at the gateway, not after recomputing O: that would have moved replica 2 on to view 2.
      expect(after.timed('view-change')).toEqual([]);
      expect(after.eventsOf(2, 'new-view')).toEqual([]);
      expect([after.replica(2).view, after.replica(2).active]).toEqual([0, true]);
    });
  }
});

describe("state transfer with a tampering sender (OSDI'99 §4.3; TOCS 2002), n=4, f=1, K=2, L=4", () => {
  it('a cut-off replica drops the tampered STATE and commit certificate, installs the honest STATE and ends in the same state as the others', () => {
    const pump = new Pump({ parameters: { checkpointInterval: 2, logWindow: 4 } });
    pump.fate = ({ to }) => (to === 3 ? 'lose' : 'deliver');
    for (let client = 0; client < 7; client++) {
      pump.request(pump.signRequest(client, 1));
      pump.run();
    }
    expect(pump.replicas.map((replica) => [replica.lastExecuted, replica.lowWatermark])).toEqual([[7, 6], [7, 6], [7, 6], [0, 0]]);

    // Replica 0 turns tamperer: it alters what it sends in STATE and COMMIT-CERTIFICATE and
    // re-signs them with its own key. The CHECKPOINT proof and the PRE-PREPARE header inside
    // still certify the original digests, which the altered contents no longer match. Being
    // replica 0, its answers reach replica 3 first.
    const decoy = pump.signRequest(0, 99);
    pump.outbound = (from, output) => {
      const message = output.signed.message;
      if (from !== 0) return output.signed;
      if (message.type === 'state') {
        const [first, ...rest] = message.store.entries;
        if (first === undefined) throw new Error('the snapshot at n=6 holds entries');
        const store = { ...message.store, entries: [[first[0], `${first[1]} tampered`, first[2]] as const, ...rest] };
        return pump.sign<StateTransfer>({ ...message, store });
      }
      if (message.type === 'commit-certificate') {
        const prePrepare = attachBatch(headerOf(message.prePrepare), [decoy]);
        return pump.sign<CommitCertificate>({ ...message, prePrepare });
      }
      return output.signed;
    };
    pump.fate = () => 'deliver';
    pump.advance(2 * T, 100);

    const sentByTamperer = pump.sent.filter(({ from, output }) => from === 0 && output.kind === 'send').map(({ output }) => (output.kind === 'send' ? output.signed.message.type : ''));
    expect(sentByTamperer).toContain('state');
    expect(sentByTamperer).toContain('commit-certificate');
    const drops = pump.dropsAt(3).filter(({ reason }) => reason === 'bad-state' || reason === 'bad-certificate');
    expect(new Set(drops.map(({ from, reason, messageType }) => JSON.stringify({ from: from.id, reason, messageType })))).toContain(JSON.stringify({ from: 0, reason: 'bad-state', messageType: 'state' }));
    // A tampered commit certificate is refused: as bad while it could still matter, and
    // unchecked (redundant) once the honest state already covers its sequence number.
    const certificateDrops = pump.dropsAt(3).filter(({ from, messageType }) => from.id === 0 && messageType === 'commit-certificate');
    expect(certificateDrops.length).toBeGreaterThan(0);
    for (const { reason } of certificateDrops) expect(['bad-certificate', 'redundant']).toContain(reason);

    const transfers = pump.timed('state-transfer').filter(({ replica }) => replica === 3);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.event.seq).toBe(6);
    expect([1, 2]).toContain(transfers[0]?.event.from);
    // The tampered STATE came first and was refused before the honest one was installed.
    const badState = drops.find(({ reason }) => reason === 'bad-state');
    expect(badState!.order).toBeLessThan(transfers[0]!.order);
    expect(executedBy(pump, 3)).toEqual(executedBy(pump, 1).filter(({ seq }) => seq > 6));
    expect(stateOf(pump.replica(3))).toEqual(stateOf(pump.replica(1)));
    expect(stateOf(pump.replica(3))).toEqual(stateOf(pump.replica(2)));
    expect(pump.replica(3).lowWatermark).toBe(6);

    // Caught up, it takes part again: the next request executes at all four.
    pump.request(pump.signRequest(1, 2));
    pump.run();
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([8, 8, 8, 8]);
    expect(new Set(pump.replicas.map((replica) => JSON.stringify(stateOf(replica)))).size).toBe(1);
  });
});

describe("view change: regressions (OSDI'99 §4.4, §4.5.2), n=4, f=1", () => {
  /** What replica `id` put on the network from pump.sent[since] on: kind, addressee, type and frame. */
  const sentSince = (pump: Pump, since: number, id: number) =>
    pump.sent.slice(since).flatMap(({ from, output }) =>
      from === id && (output.kind === 'send' || output.kind === 'broadcast')
        ? [{ kind: output.kind, to: output.kind === 'send' ? output.to : undefined, type: output.signed.message.type, frame: hex(output.signed.frame) }]
        : [],
    );

  it("§4.4, §4.5.2: a VIEW-CHANGE for the view a replica is already active in is answered by that view's primary alone, with its NEW-VIEW; backups stay silent, so a backup that missed the NEW-VIEW gets in and a duplicate VIEW-CHANGE costs one NEW-VIEW, not a ping-pong", () => {
    const pump = new Pump();
    pump.outbound = silence(0);
    const request = pump.signRequest(0, 1);
    for (const id of [1, 2, 3]) pump.request(request, id);
    pump.run();
    // The NEW-VIEW for view 1 is lost on its way to replica 3, once. STATUS cannot make up
    // for it (replica 3 already reports view 1); only its resent VIEW-CHANGE can.
    let newViewsLost = 0;
    pump.fate = ({ to, signed }) => (to === 3 && signed.message.type === 'new-view' && newViewsLost++ === 0 ? 'lose' : 'deliver');
    pump.advance(T + TEST_PARAMETERS.viewChangeResendMs + 100, 50);

    expect(newViewsLost).toBeGreaterThan(0);
    const [newView] = newViewsBy(pump, 1, 1);
    expect(newView).toBeDefined();
    const entered = pump.timed('new-view').map(({ replica, nowMs, event }) => ({ replica, nowMs, view: event.view }));
    expect(entered).toEqual([
      { replica: 1, nowMs: T, view: 1 },
      { replica: 0, nowMs: T, view: 1 },
      { replica: 2, nowMs: T, view: 1 },
      // At its first VIEW-CHANGE resend, from the primary's answer.
      { replica: 3, nowMs: T + TEST_PARAMETERS.viewChangeResendMs, view: 1 },
    ]);
    const answers = pump.sent.filter(({ from, output }) => from === 1 && output.kind === 'send' && output.to.kind === 'replica' && output.to.id === 3 && output.signed.message.type === 'new-view');
    expect(answers.map(({ output }) => hex((output as Outbound).signed.frame))).toEqual([hex(newView!.frame)]);
    // Backup 2 answered replica 3's resend with nothing.
    expect(pump.sent.filter(({ from, output }) => from === 2 && output.kind === 'send' && output.signed.message.type === 'view-change')).toEqual([]);
    expect(pump.replicas.map((replica) => [replica.view, replica.active])).toEqual([[1, true], [1, true], [1, true], [1, true]]);
    for (const id of [1, 2, 3]) expect(executedBy(pump, id)).toEqual([{ seq: 1, digest: hex(digestOf([request])) }]);
    expect(pump.queue).toEqual([]);

    // The primary resends its NEW-VIEW to one replica at most once per resend interval.
    pump.tickAll(pump.nowMs + TEST_PARAMETERS.viewChangeResendMs);
    pump.run();

    // Now that everyone is active in view 1, a copy of replica 3's VIEW-CHANGE for view 1 arrives
    // at backup 2, then at the primary, replica 1. Every delivery is counted.
    let deliveries = 0;
    pump.fate = () => {
      deliveries++;
      return 'deliver';
    };
    const [duplicate] = viewChangesBy(pump, 3, 1);
    expect(duplicate).toBeDefined();
    const events = pump.timeline.length;

    let since = pump.sent.length;
    pump.inject(3, 2, duplicate!);
    pump.run();
    expect(sentSince(pump, since, 2)).toEqual([]);
    expect(deliveries).toBe(1);

    since = pump.sent.length;
    pump.inject(3, 1, duplicate!);
    pump.run();
    expect(sentSince(pump, since, 1)).toEqual([{ kind: 'send', to: { kind: 'replica', id: 3 }, type: 'new-view', frame: hex(newView!.frame) }]);
    // Replica 3, active in view 1, ignores the NEW-VIEW it already has: the exchange ends there.
    expect(sentSince(pump, since, 3)).toEqual([]);
    expect(deliveries).toBe(3);
    expect(pump.queue).toEqual([]);
    expect(pump.timeline.length).toBe(events);
    expect(pump.replicas.map((replica) => [replica.view, replica.active])).toEqual([[1, true], [1, true], [1, true], [1, true]]);
  });

  it('§4.4: a backup that installs by state transfer a client table covering the request it waits for stops its view-change timer: at 3T it is still active in view 0 and executes new requests with the others', () => {
    /** K=2, L=4. Client 0's t=1 reaches replica 3 alone, which relays it to primary 0 and waits for it; then replica 3 is cut off from every replica while the others execute n=1 and n=2, and checkpoint 2 becomes stable. */
    const cutOff = (): Pump => {
      const pump = new Pump({ parameters: { checkpointInterval: 2, logWindow: 4 } });
      let relayed = 0;
      pump.fate = ({ from, to, signed }) => {
        if (from.kind === 'client') return 'deliver';
        if (from.id === 3 && to === 0 && signed.message.type === 'request' && relayed++ === 0) return 'deliver';
        return from.id === 3 || to === 3 ? 'lose' : 'deliver';
      };
      pump.request(pump.signRequest(0, 1), 3);
      pump.run();
      expect(relayed).toBe(1);
      pump.request(pump.signRequest(1, 1));
      pump.run();
      expect(pump.replicas.map((replica) => [replica.lastExecuted, replica.lowWatermark])).toEqual([[2, 2], [2, 2], [2, 2], [0, 0]]);
      return pump;
    };

    // Control: left cut off, replica 3's timer, started at 0 by the relayed request, fires at T.
    const control = cutOff();
    control.advance(T, 10);
    expect(control.timed('view-change').map(({ replica, nowMs, event }) => ({ replica, nowMs, view: event.view, reason: event.reason }))).toEqual([
      { replica: 3, nowMs: T, view: 1, reason: 'timeout' },
    ]);

    // Reconnected at once, replica 3 installs the state at n=2, whose client table holds client 0's t=1.
    const pump = cutOff();
    pump.fate = () => 'deliver';
    pump.advance(3 * T, 10);
    const transfers = pump.timed('state-transfer');
    expect(transfers.map(({ replica, event }) => ({ replica, seq: event.seq }))).toEqual([{ replica: 3, seq: 2 }]);
    expect(transfers[0]!.nowMs).toBeLessThan(T);
    expect(stateOf(pump.replica(3))).toEqual(stateOf(pump.replica(1)));
    expect(pump.replica(3).clients.get(0)?.timestamp).toBe(1);

    expect(pump.timed('view-change')).toEqual([]);
    expect(viewChangesBy(pump, 3, 1)).toEqual([]);
    expect(pump.replicas.map((replica) => [replica.view, replica.active])).toEqual([[0, true], [0, true], [0, true], [0, true]]);

    const fresh = pump.signRequest(2, 1);
    pump.request(fresh);
    pump.run();
    for (const id of [0, 1, 2, 3]) {
      expect(pump.eventsOf(id, 'executed').filter(({ seq }) => seq > 2).map(({ view, seq, digest }) => ({ view, seq, digest: hex(digest) }))).toEqual([{ view: 0, seq: 3, digest: hex(digestOf([fresh])) }]);
    }
    expect(pump.repliesFor(2, 1).map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(pump.replicas.map((replica) => JSON.stringify(stateOf(replica)))).size).toBe(1);
  });

  it('§4.5.2: a timer that expires in a view entered by NEW-VIEW, before anything executed there, doubles the next wait: view 1 entered at T, view 2 started at 2T, view 3 not before 4T', () => {
    const pump = new Pump();
    const request = pump.signRequest(0, 1);
    preparedNowhereCommitted(pump, request);
    // Primary 0 goes silent; view 1's PREPAREs are lost, so nothing executes in view 1; the NEW-VIEW for view 2 is held.
    pump.outbound = silence(0);
    pump.fate = (envelope) => {
      const message = envelope.signed.message;
      if (isViewZeroCommit(envelope) || (message.type === 'prepare' && message.view === 1)) return 'lose';
      return message.type === 'new-view' && message.newView === 2 ? 'hold' : 'deliver';
    };
    // Replica 1, the primary of view 1, runs no timer there, so the rule is not about it: it
    // joins view 2 at 2T with its timeout still T. Only replicas 0, 2 and 3 are timed.
    const timers = [0, 2, 3];
    const moves = () =>
      pump
        .timed('view-change')
        .filter(({ replica }) => timers.includes(replica))
        .map(({ replica, nowMs, event }) => ({ replica, nowMs, view: event.view, reason: event.reason }));

    pump.advance(4 * T - 1, 50);
    // X = T: everyone enters view 1 by NEW-VIEW (below), and executes nothing there.
    expect(moves()).toEqual([
      { replica: 2, nowMs: T, view: 1, reason: 'timeout' },
      { replica: 3, nowMs: T, view: 1, reason: 'timeout' },
      { replica: 0, nowMs: T, view: 1, reason: 'joined' },
      // X + T: the timer expires in view 1, where nothing executed. 2f+1 VIEW-CHANGEs for
      // view 2 are in at once, so the timer for view 2 starts at 2T.
      { replica: 0, nowMs: 2 * T, view: 2, reason: 'timeout' },
      { replica: 2, nowMs: 2 * T, view: 2, reason: 'timeout' },
      { replica: 3, nowMs: 2 * T, view: 2, reason: 'timeout' },
    ]);
    expect(pump.timed('new-view').map(({ replica, nowMs, event }) => ({ replica, nowMs, view: event.view }))).toEqual([
      { replica: 1, nowMs: T, view: 1 },
      { replica: 0, nowMs: T, view: 1 },
      { replica: 2, nowMs: T, view: 1 },
      { replica: 3, nowMs: T, view: 1 },
      // Replica 2 sent the NEW-VIEW for view 2, held on the network, and entered view 2 itself.
      { replica: 2, nowMs: 2 * T, view: 2 },
    ]);
    expect(pump.timed('executed')).toEqual([]);
    expect(pump.held.map(({ signed }) => signed.message.type)).toContain('new-view');
    expect([0, 3].map((id) => [pump.replica(id).view, pump.replica(id).active])).toEqual([[2, false], [2, false]]);

    // 2T after view 2's timer started, not T: replicas 0 and 3 move to view 3 at 4T.
    pump.advance(4 * T, 50);
    expect(moves().filter(({ view }) => view === 3)).toEqual([
      { replica: 0, nowMs: 4 * T, view: 3, reason: 'timeout' },
      { replica: 3, nowMs: 4 * T, view: 3, reason: 'timeout' },
      { replica: 2, nowMs: 4 * T, view: 3, reason: 'joined' },
    ]);
  });
});
