// A replica restarted without memory votes again only once 2f+1 fresh, signed
// RECOVERY-REPLYs fixed an estimate E above every view it could have been in
// (src/core/restart-guard.ts). These tests replay the schedules an outside review found
// against the earlier rule (the first 2f unsigned STATUS reports fixed E for good).
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src/core/encoding.ts';
import type { Message, PrePrepare, RecoveryReply, Signed } from '../../src/core/messages.ts';
import { Replica } from '../../src/core/replica.ts';
import { crypto, Pump, TEST_PARAMETERS, type Envelope } from '../support/pump.ts';

const T = TEST_PARAMETERS.viewChangeTimeoutMs;

/** Replaces replica `id` by a new incarnation with no memory, same key and config. */
function restart(pump: Pump, id: number): Replica {
  const recoveryNonce = crypto.sha256(new TextEncoder().encode(`test restart ${id} ${pump.nowMs}`)).slice(0, 16);
  const fresh = new Replica(pump.replica(id).config, { restarted: true, recoveryNonce });
  (pump.replicas as Replica[])[id] = fresh;
  return fresh;
}

/** Votes `id` signed in view `view` (PREPARE, COMMIT) from output index `since` on. */
function votesBy(pump: Pump, id: number, view: number, since: number): Message[] {
  return pump.sent.slice(since).flatMap(({ from, output }) => {
    if (from !== id || (output.kind !== 'send' && output.kind !== 'broadcast')) return [];
    const message = output.signed.message;
    return (message.type === 'prepare' || message.type === 'commit') && message.view === view ? [message] : [];
  });
}

/** Client 0's next request (t = 1, 2, …), sent to every replica and delivered. */
function requester(pump: Pump): () => void {
  let t = 0;
  return () => {
    const signed = pump.signRequest(0, ++t);
    for (let id = 0; id < pump.n; id++) pump.request(signed, id);
    pump.run();
  };
}

function executedAt(pump: Pump, id: number, seq: number): string[] {
  return pump.eventsOf(id, 'executed').filter((event) => event.seq === seq).map((event) => Buffer.from(event.digest).toString('hex'));
}

describe('restart without memory: the estimate rests on 2f+1 fresh signed replies (TOCS 2002 §4.3), n=4, f=1', () => {
  it('the review schedule: a lying replica 1 and a lagging replica 0 cannot lower E, so replica 2 never prepares B at (1, 1) and 0 and 3 agree', () => {
    const pump = new Pump();
    // Phase 1: replica 0 is cut off; 1, 2, 3 move to view 1 and execute A at n = 1.
    const cutOff = (envelope: Envelope) => envelope.to === 0 || envelope.from.id === 0;
    pump.fate = (envelope) => (cutOff(envelope) && envelope.from.kind === 'replica' ? 'lose' : 'deliver');
    const a = pump.signRequest(0, 1, { type: 'put', key: 'x', value: 'A' });
    for (const id of [1, 2, 3]) pump.request(a, id);
    pump.run();
    pump.advance(T + 500, 50);
    expect([1, 2, 3].map((id) => [pump.replica(id).view, pump.replica(id).active, pump.replica(id).lastExecuted])).toEqual([
      [1, true, 1],
      [1, true, 1],
      [1, true, 1],
    ]);
    expect(pump.replica(0).view).toBe(0);
    const newViewOne = pump.broadcastsBy(1, 'new-view')[0]!;
    const digestA = executedAt(pump, 3, 1)[0];

    // Phase 2: replica 2 restarts without memory; replica 3's messages to it are held.
    // Replica 0 is reachable again (still in view 0), and replica 1 turns Byzantine: its
    // RECOVERY-REPLY claims view 0, and it pre-prepares another batch B at (1, 1).
    const restarted = restart(pump, 2);
    const since = pump.sent.length;
    pump.fate = (envelope) => (envelope.from.id === 3 && envelope.to === 2 ? 'hold' : 'deliver');
    pump.outbound = (from, output) => {
      const message = output.signed.message;
      if (from === 1 && message.type === 'recovery-reply') return pump.sign<RecoveryReply>({ ...message, view: 0, proof: [] });
      return output.signed;
    };
    pump.advance(pump.nowMs + 600, 50);
    const b = pump.signRequest(1, 1, { type: 'put', key: 'x', value: 'B' });
    const batch = [b];
    const prePrepareB = pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq: 1, digest: crypto.sha256(encodeBatch(batch)), replica: 1, batch });
    for (const to of [0, 2]) {
      pump.inject(1, to, newViewOne);
      pump.inject(1, to, prePrepareB as Signed);
    }
    pump.run();
    pump.advance(pump.nowMs + 2_000, 50);

    // Two replies (0's true view 0 and 1's lie) are not 2f+1: no estimate, no vote.
    expect(restarted.recovering).toBe(true);
    expect(restarted.recoveryEstimate).toBeUndefined();
    expect(votesBy(pump, 2, 1, since)).toEqual([]);
    // B never commits at n = 1 anywhere; 0 and 3 never disagree there.
    expect(executedAt(pump, 0, 1).every((digest) => digest === digestA)).toBe(true);
    expect(executedAt(pump, 3, 1)).toEqual([digestA]);

    // Replica 3's held messages arrive: its reply (view 1) completes 2f+1, and E = 1.
    pump.fate = () => 'deliver';
    pump.release();
    pump.run();
    pump.advance(pump.nowMs + 1_000, 50);
    expect(restarted.recoveryEstimate).toBe(1);
    // Active in view 1 is not above E: still no vote in view 1, whatever 1 replays.
    pump.inject(1, 2, newViewOne);
    pump.inject(1, 2, prePrepareB as Signed);
    pump.run();
    expect(votesBy(pump, 2, 1, since)).toEqual([]);
    expect(restarted.recovering).toBe(true);
  });

  it('a lie upward is credited at most one view above what f+1 signers vouch for: claiming view 10^6, replica 1 delays the return to voting by two view changes, not for good', () => {
    const pump = new Pump();
    const restarted = restart(pump, 3);
    pump.outbound = (from, output) => {
      const message = output.signed.message;
      if (from === 1 && message.type === 'recovery-reply') return pump.sign<RecoveryReply>({ ...message, view: 1_000_000 });
      return output.signed;
    };
    pump.advance(600, 50);
    // No view change has happened, so nobody vouches for a view above 0: the lie counts as 1.
    expect(restarted.recoveryEstimate).toBe(1);

    // Two view changes, forced by losing the primaries' PRE-PREPAREs (all four replicas
    // otherwise cooperate, replica 1 included): views 1 and 2.
    let dropPrePrepares = true;
    pump.fate = ({ signed }) => (dropPrePrepares && signed.message.type === 'pre-prepare' ? 'lose' : 'deliver');
    let t = 1;
    const request = () => {
      const signed = pump.signRequest(t % 8, ++t);
      for (let id = 0; id < 4; id++) pump.request(signed, id);
      pump.run();
    };
    request();
    pump.advance(pump.nowMs + 1.5 * T, 50);
    request();
    pump.advance(pump.nowMs + 3 * T, 50);
    const views = pump.replicas.map((replica) => replica.view);
    expect(Math.min(...views)).toBeGreaterThanOrEqual(2);
    dropPrePrepares = false;
    request();
    pump.advance(pump.nowMs + 4 * T, 50);
    const resumed = pump.timed('voting-resumed').map(({ replica, event }) => [replica, event.view]);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]![0]).toBe(3);
    expect(resumed[0]![1]).toBeGreaterThan(1);
    expect(restarted.recovering).toBe(false);

    // Replica 1 now goes silent: 0, 2 and 3 are 2f+1 and keep committing.
    pump.outbound = (from, output) => (from === 1 ? undefined : output.signed);
    const before = pump.replica(0).lastExecuted;
    request();
    pump.advance(pump.nowMs + 4 * T, 50);
    expect(pump.replica(0).lastExecuted).toBeGreaterThan(before);
    expect(pump.replica(3).lastExecuted).toBe(pump.replica(0).lastExecuted);
  });

  it('in a healthy cluster that never changes views, it votes again once its stable checkpoint passes S+2L, so a later backup crash (one fault) is survived', () => {
    const pump = new Pump({ parameters: { checkpointInterval: 4, logWindow: 8, maxBatch: 1, maxInflightBatches: 4 } });
    const request = requester(pump);
    for (let i = 0; i < 6; i++) request();
    pump.advance(500, 50);
    expect(pump.replicas.map((replica) => replica.lowWatermark)).toEqual([4, 4, 4, 4]);

    const restarted = restart(pump, 3);
    pump.advance(pump.nowMs + 500, 50);
    expect(restarted.recoveryEstimate).toBe(0);
    // S = 4 (the peers' stable checkpoint), L = 8: recovery ends at a stable checkpoint >= 20.
    for (let i = 0; i < 24; i++) {
      request();
      pump.advance(pump.nowMs + 100, 50);
    }
    expect(restarted.lowWatermark).toBeGreaterThanOrEqual(20);
    expect(restarted.recovering).toBe(false);
    expect(pump.timed('voting-resumed').map(({ replica, event }) => [replica, event.view])).toEqual([[3, 0]]);
    expect(pump.replicas.map((replica) => replica.view)).toEqual([0, 0, 0, 0]);

    // One fault, within f = 1: backup 1 crashes. 0, 2 and 3 are 2f+1 again, and go on.
    pump.outbound = (from, output) => (from === 1 ? undefined : output.signed);
    const before = pump.replica(0).lastExecuted;
    request();
    pump.advance(pump.nowMs + 2 * T, 50);
    expect(pump.replica(0).lastExecuted).toBeGreaterThan(before);
    expect(pump.replica(3).lastExecuted).toBe(pump.replica(0).lastExecuted);
    // It still asks for no view it may have asked for before the crash (E+1 = 1 and below).
    expect(pump.broadcastsBy(3, 'view-change')).toEqual([]);
  });

  it('without the checkpoint rule (control): the same backup crash stops the cluster, since the restarted replica still may not vote', () => {
    const pump = new Pump({ parameters: { checkpointInterval: 4, logWindow: 8, maxBatch: 1, maxInflightBatches: 4 } });
    const request = requester(pump);
    for (let i = 0; i < 6; i++) request();
    pump.advance(500, 50);
    const restarted = restart(pump, 3);
    // Only a few requests: the stable checkpoint does not reach S+2L = 20.
    for (let i = 0; i < 4; i++) {
      request();
      pump.advance(pump.nowMs + 100, 50);
    }
    expect(restarted.lowWatermark).toBeLessThan(20);
    expect(restarted.recovering).toBe(true);
    pump.outbound = (from, output) => (from === 1 ? undefined : output.signed);
    const before = pump.replica(0).lastExecuted;
    request();
    pump.advance(pump.nowMs + T / 2, 50);
    expect(pump.replica(0).lastExecuted).toBe(before);
  });

  it('a recovering replica that changed view without voting, and lost the NEW-VIEW, gets it from the primary in answer to its RECOVERY-QUERY', () => {
    const pump = new Pump();
    const request = requester(pump);
    request();
    pump.advance(500, 50);
    const restarted = restart(pump, 3);
    pump.advance(pump.nowMs + 500, 50);
    expect(restarted.recoveryEstimate).toBe(0);

    // The primary's PRE-PREPAREs are lost, so the backups change view; the NEW-VIEW
    // broadcast for view 1 never reaches replica 3, which sent no VIEW-CHANGE of its own.
    let newViewBroadcastLost = false;
    pump.fate = ({ signed, to, from }) => {
      if (signed.message.type === 'pre-prepare' && signed.message.view === 0) return 'lose';
      if (signed.message.type === 'new-view' && to === 3 && from.id === 1 && !newViewBroadcastLost) {
        newViewBroadcastLost = true;
        return 'lose';
      }
      return 'deliver';
    };
    const since = pump.sent.length;
    request();
    pump.advance(pump.nowMs + 3 * T, 50);
    expect(newViewBroadcastLost).toBe(true);
    expect(pump.broadcastsBy(3, 'view-change')).toEqual([]);
    // Replica 1 answered a RECOVERY-QUERY with its NEW-VIEW, sent to replica 3 alone.
    const answers = pump.sent.slice(since).filter(({ from, output }) => from === 1 && output.kind === 'send' && output.to.id === 3 && output.signed.message.type === 'new-view');
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect([restarted.view, restarted.active]).toEqual([1, true]);
    // Active in view 1 > E = 0: it votes again, and executes what the others did.
    expect(pump.timed('voting-resumed').map(({ replica, event }) => [replica, event.view])).toEqual([[3, 1]]);
    expect(restarted.lastExecuted).toBe(pump.replica(1).lastExecuted);
  });
});
