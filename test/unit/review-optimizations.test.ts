// Review findings on the §5.1 optimizations and the robust primary, each test failing before its fix (the notebook lists them). n=4, f=1.
import { describe, expect, it } from 'vitest';
import { Client, type ClientConfig, type ClientOutput } from '../../src/core/client.ts';
import type { Reply, SignedRequest } from '../../src/core/messages.ts';
import { PrimaryMonitor, type MonitoredReplica } from '../../src/core/primary-monitor.ts';
import { Replica } from '../../src/core/replica.ts';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;
const WRITER = 2;
const READER = 3;

function clientOf(pump: Pump, id: number, options: Partial<ClientConfig> = {}): Client {
  return new Client({
    id, n: N, keyPair: pump.clientKeyPairs[id]!, crypto, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey),
    initialTimeoutMs: 100, maxTimeoutMs: 800, auth: pump.auth, tentativeExecution: true, readOnly: true, ...options,
  });
}

function route(pump: Pump, outputs: readonly ClientOutput[]): void {
  for (const output of outputs) {
    if (output.kind === 'send') pump.request(output.signed, output.to);
    if (output.kind === 'broadcast') for (let id = 0; id < pump.n; id++) pump.request(output.signed, id);
  }
}

const feed = (client: Client, from: number, frame: Uint8Array, nowMs = 1) => client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame, nowMs });

describe('review: tentative + read-only', () => {
  it('a view change replaces the tentatively answered entry, yet every replica still holds reads until the write executes (fixed: a watermark, not the entry\'s flag)', () => {
    const pump = new Pump({ tentative: true, readOnly: true });
    // COMMITs are slow (any view); in view 1 PREPAREs are slow too.
    pump.fate = (envelope) => {
      const m = envelope.signed.message;
      if (m.type === 'commit') return 'hold';
      if (m.type === 'prepare' && m.view >= 1) return 'hold';
      return 'deliver';
    };
    const writer = clientOf(pump, WRITER);
    route(pump, writer.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'new' }, nowMs: 0 }));
    pump.run();
    const written = pump.repliesFor(WRITER, 1).slice(0, 3).flatMap(({ from, signed }) => feed(writer, from, signed.frame));
    // The writer saw its put complete (2f+1 matching tentative replies): the batch is committed(m, v, n).
    expect(written.filter((o) => o.kind === 'result')).toHaveLength(1);
    // No COMMIT arrives in time: the backups' timers expire, view 1 starts and re-proposes n=1.
    pump.advance(3000, 50);
    expect(pump.replicas.filter((r) => r.view >= 1 && r.active).length).toBeGreaterThanOrEqual(3);
    expect(pump.replicas.map((r) => r.lastExecuted)).toEqual([0, 0, 0, 0]);
    // A read issued after the write completed.
    const reader = clientOf(pump, READER);
    route(pump, reader.step({ kind: 'submit', operation: { type: 'get', key: 'k' }, nowMs: pump.nowMs }));
    pump.run();
    const answers = pump.toClients.filter(({ to }) => to === READER);
    const results = answers.flatMap(({ from, signed }) => feed(reader, from, signed.frame, pump.nowMs)).filter((o) => o.kind === 'result');
    // Before the fix all four answered from the state before the put; now each defers the read.
    expect(answers).toEqual([]);
    // Linearizability: the read began after the put completed, so it must see 'new' (or fall back).
    expect(results.map((o) => (o.kind === 'result' ? o.result : undefined))).not.toContainEqual({ status: 'ok', value: '', version: 0 });
  });
});

describe('review: tentative replies from different views', () => {
  it('the client mixes tentative replies of views 0 and 1 (plus one faulty) into 2f+1: no single view has f+1 correct prepared', () => {
    const pump = new Pump({ tentative: true });
    const client = clientOf(pump, WRITER, { readOnly: false });
    client.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 });
    const result = { status: 'ok' as const, actual: '', previousVersion: 0, version: 1 };
    const reply = (replica: number, view: number, tentative: boolean) =>
      pump.sign<Reply>({ type: 'reply', view, timestamp: 1, client: WRITER, replica, result, ...(tentative ? { tentative: true as const } : {}) });
    // Correct 0 prepared it at n in view 0; correct 1 prepared it at n+1 in view 1 (n got a null
    // request there); faulty 3 claims a committed reply. Neither view has committed(m, v, n).
    const outputs = [reply(0, 0, true), reply(1, 1, true), reply(3, 1, false)].flatMap((signed) => feed(client, signed.message.replica, signed.frame));
    expect(outputs.filter((o) => o.kind === 'result')).toEqual([]);
  });
});

describe('review: read-only and restart without memory', () => {
  it('a replica restarted without memory answers no read while it recovers (fixed; amnesia counts against f, so this is defence in depth): with one lagging and one faulty, no stale read', () => {
    const pump = new Pump({ readOnly: true });
    // Replica 1 is slow: nothing reaches it.
    pump.fate = (envelope) => (envelope.to === 1 || (envelope.from.kind === 'replica' && envelope.from.id === 1) ? 'lose' : 'deliver');
    const writer = clientOf(pump, WRITER, { tentativeExecution: false });
    route(pump, writer.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'new' }, nowMs: 0 }));
    pump.run();
    const written = pump.repliesFor(WRITER, 1).flatMap(({ from, signed }) => feed(writer, from, signed.frame));
    expect(written.filter((o) => o.kind === 'result')).toHaveLength(1); // 2f+1 = 3 replies: 0, 2, 3
    // Correct replica 2 restarts without memory.
    const fresh = new Replica(pump.replica(2).config, { restarted: true, recoveryNonce: new Uint8Array(16).fill(7) });
    (pump.replicas as Replica[])[2] = fresh;
    pump.fate = (envelope) => (envelope.to === 1 || (envelope.from.kind === 'replica' && envelope.from.id === 1) ? 'lose' : 'deliver');
    const reader = clientOf(pump, READER, { tentativeExecution: false });
    route(pump, reader.step({ kind: 'submit', operation: { type: 'get', key: 'k' }, nowMs: 1 }));
    pump.fate = (envelope) => (envelope.to === 1 && envelope.from.kind === 'client' ? 'deliver' : envelope.to === 1 ? 'lose' : 'deliver');
    pump.run();
    const stale = { status: 'ok' as const, value: '', version: 0 };
    const honest = pump.toClients.filter(({ to, from }) => to === READER && from !== 3);
    // Faulty replica 3 answers with the old state too.
    const lie = pump.sign<Reply>({ type: 'reply', view: 0, timestamp: 1, client: READER, replica: 3, result: stale });
    const outputs = [...honest.map(({ from, signed }) => ({ from, frame: signed.frame })), { from: 3, frame: lie.frame }].flatMap(({ from, frame }) => feed(reader, from, frame));
    expect(honest.map(({ from }) => from)).not.toContain(2);
    expect(outputs.filter((o) => o.kind === 'result').map((o) => (o.kind === 'result' ? o.result : undefined))).not.toContainEqual(stale);
  });
});

describe('review: robust primary, fairness rule', () => {
  /** A backup in view 1 holding client 5's request while client 7's requests execute at n = 1..6. */
  function starve(reportedExecuted: Map<number, number>): (string | undefined)[] {
    const replica = { view: 1, active: true, isPrimary: false, waiting: new Map([[5, { timestamp: 1 }]]), lastExecuted: 0, log: { highestSeq: 0 }, reportedExecuted, weakQuorum: 2 };
    const monitor = new PrimaryMonitor(30, 500, 4);
    const complaints = [monitor.onTick(replica as MonitoredReplica, 0)];
    monitor.noteWaiting(replica, 5, 1);
    for (let seq = 1; seq <= 6; seq++) {
      replica.lastExecuted = seq;
      replica.log.highestSeq = seq;
      monitor.noteExecuted(replica, seq, [{ message: { client: 7, timestamp: seq } } as unknown as SignedRequest], 1);
      complaints.push(monitor.onTick(replica, 1));
    }
    return complaints;
  }
  it('honest STATUS reports: the starved client gets its vote', () => {
    expect(starve(new Map())).toContain('unfair-primary');
  });
  it('one faulty replica reporting lastExecuted = 2^40 in STATUS silences the rule at every correct backup', () => {
    expect(starve(new Map([[3, 2 ** 40]]))).toContain('unfair-primary');
  });
});
