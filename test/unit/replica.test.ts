// Four real Replica instances (n=4, f=1) wired by the synchronous message pump of
// test/support/pump.ts: a FIFO queue of frames, broadcasts to every other replica in id
// order, client-bound frames collected. Clients sign their requests by hand. The scenarios follow the
// paper's normal case (OSDI'99 §4.1–4.2), checkpoints and watermarks (§4.3), and the
// STATUS-driven retransmission of the BFT library (TOCS 2002 §5.2).

import { describe, expect, it } from 'vitest';
import type { ProtocolParameters } from '../../src/core/config.ts';
import { encodeBatch } from '../../src/core/encoding.ts';
import type { Message, PrePrepare } from '../../src/core/messages.ts';
import type { Replica } from '../../src/core/replica.ts';
import { crypto, hex, Pump as SharedPump, TEST_PARAMETERS as PARAMETERS } from '../support/pump.ts';

const SEED = 'replica-unit';
const N = 4;

/** The shared pump (test/support/pump.ts) with this file's keys and a few shorthands. */
class Pump extends SharedPump {
  constructor(parameters: Partial<Omit<ProtocolParameters, 'n'>> = {}) {
    super({ n: N, seed: SEED, clients: 8, parameters, maxSteps: 100_000 });
  }

  /** Sequence numbers of every PRE-PREPARE replica `id` broadcast. */
  prePreparedBy(id: number): number[] {
    return this.broadcastsBy(id, 'pre-prepare').map(({ message }) => (message as PrePrepare).seq);
  }

  /** Which replica sent each broadcast of one type, in order. */
  broadcastsOf(type: Message['type']): number[] {
    return this.sent.flatMap(({ from, output }) => (output.kind === 'broadcast' && output.signed.message.type === type ? [from] : []));
  }

  executedSeqs(id: number): number[] {
    return this.eventsOf(id, 'executed').map((event) => event.seq);
  }
}

/** Everything a checkpoint digests (§4.3): the store and the client table. */
function stateOf(replica: Replica): { store: string; clients: string; nextVersion: number } {
  return { store: hex(replica.store.digest()), clients: hex(replica.clients.encode()), nextVersion: replica.store.nextVersion };
}

describe('replica: normal case, n=4, f=1', () => {
  it('a request sent to the primary is pre-prepared, prepared, committed and executed by all 4 replicas', () => {
    const pump = new Pump();
    const signed = pump.signRequest(0, 1);
    pump.request(signed);
    pump.run();

    expect(pump.prePreparedBy(0)).toEqual([1]);
    expect(pump.broadcastsOf('pre-prepare')).toEqual([0]);
    // §4.2: backups prepare, the primary does not; every replica commits.
    expect(pump.broadcastsOf('prepare').sort()).toEqual([1, 2, 3]);
    expect(pump.broadcastsOf('commit').sort()).toEqual([0, 1, 2, 3]);

    const digest = crypto.sha256(encodeBatch([signed]));
    for (const replica of pump.replicas) {
      const entry = replica.log.get(1);
      expect(entry?.prepared).toBe(true);
      expect(entry?.committed).toBe(true);
      expect(replica.lastExecuted).toBe(1);
      const events = pump.events[replica.id]!;
      expect(events.map((event) => event.type)).toEqual(['committed', 'executed']);
      expect(events.every((event) => 'digest' in event && hex(event.digest) === hex(digest))).toBe(true);
    }
    // No fault, so no drop but the votes that arrive past their quorum (src/core/admission.ts).
    expect(pump.drops.filter(({ reason }) => reason !== 'surplus-vote')).toEqual([]);
  });

  it('each replica sends the client a REPLY, signed by itself, with the same result', () => {
    const pump = new Pump();
    pump.request(pump.signRequest(0, 1));
    pump.run();

    const replies = pump.repliesFor(0, 1);
    expect(replies.map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    for (const { from, to, signed } of replies) {
      expect(to).toBe(0);
      expect(signed.message).toEqual({
        type: 'reply',
        view: 0,
        timestamp: 1,
        client: 0,
        replica: from,
        result: { status: 'ok', actual: '', previousVersion: 0, version: 1 },
      });
      expect(crypto.verify(pump.replicaKeyPairs[from]!.publicKey, signed.signedBytes, signed.signature)).toBe(true);
    }
  });

  it('a request sent to a backup is relayed to the primary and executed by all', () => {
    const pump = new Pump();
    pump.request(pump.signRequest(0, 1), 2);
    pump.run();
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([1, 1, 1, 1]);
    expect(pump.repliesFor(0, 1)).toHaveLength(N);
  });

  it('the same request retransmitted to all replicas gets the cached REPLY again and is not executed twice', () => {
    const pump = new Pump();
    const signed = pump.signRequest(0, 1);
    pump.request(signed);
    pump.run();
    const firstReplies = new Map(pump.repliesFor(0, 1).map(({ from, signed: reply }) => [from, hex(reply.frame)]));
    const before = pump.replicas.map(stateOf);

    for (let to = 0; to < N; to++) pump.request(signed, to);
    pump.run();

    const replies = pump.repliesFor(0, 1);
    expect(replies).toHaveLength(2 * N);
    for (const { from, signed: reply } of replies.slice(N)) expect(hex(reply.frame)).toBe(firstReplies.get(from));
    expect(pump.replicas.map(stateOf)).toEqual(before);
    expect(pump.replicas.map((replica) => replica.store.nextVersion)).toEqual([2, 2, 2, 2]);
    expect(pump.replicas.map((replica) => pump.executedSeqs(replica.id))).toEqual([[1], [1], [1], [1]]);
    expect(pump.prePreparedBy(0)).toEqual([1]);
  });

  it('successive requests of one client execute in order with consecutive versions', () => {
    const pump = new Pump();
    for (let t = 1; t <= 3; t++) {
      pump.request(pump.signRequest(0, t));
      pump.run();
    }
    for (let t = 1; t <= 3; t++) {
      const versions = pump.repliesFor(0, t).map(({ signed }) => signed.message.result.version);
      expect(versions).toEqual([t, t, t, t]);
    }
    const states = pump.replicas.map(stateOf);
    expect(new Set(states.map((state) => JSON.stringify(state))).size).toBe(1);
  });
});

describe('replica: checkpoints and watermarks, K=2, L=4 (§4.3)', () => {
  const K = 2;
  const L = 4;

  it('after executing 6 requests every replica has a stable checkpoint at 6 with a 2f+1 proof, and log.size <= L throughout', () => {
    const pump = new Pump({ checkpointInterval: K, logWindow: L });
    let largestLog = 0;
    pump.afterStep = (replica) => {
      largestLog = Math.max(largestLog, replica.log.size);
      expect(replica.log.size).toBeLessThanOrEqual(L);
    };
    for (let t = 1; t <= 6; t++) {
      pump.request(pump.signRequest(0, t));
      pump.run();
    }
    expect(largestLog).toBeGreaterThan(0);

    const stableDigests = new Set<string>();
    for (const replica of pump.replicas) {
      expect(replica.lastExecuted).toBe(6);
      expect(replica.lowWatermark).toBe(6);
      expect(replica.highWatermark).toBe(6 + L);
      expect(replica.log.size).toBeLessThanOrEqual(L);
      const stable = replica.checkpoints.stable;
      expect(stable.seq).toBe(6);
      expect(stable.proof).toHaveLength(3);
      expect(new Set(stable.proof.map((signed) => signed.message.replica)).size).toBe(3);
      for (const signed of stable.proof) {
        expect(signed.message.seq).toBe(6);
        expect(hex(signed.message.digest)).toBe(hex(stable.digest));
        expect(crypto.verify(pump.replicaKeyPairs[signed.message.replica]!.publicKey, signed.signedBytes, signed.signature)).toBe(true);
      }
      stableDigests.add(hex(stable.digest));
    }
    expect(stableDigests.size).toBe(1);
    // One checkpoint per K executed seqs, from every replica.
    expect(pump.events.map((events) => events.filter((event) => event.type === 'checkpoint').map((event) => event.type === 'checkpoint' && event.seq))).toEqual(
      Array.from({ length: N }, () => [2, 4, 6]),
    );
  });

  it('the primary stops proposing at H until a checkpoint becomes stable, then proceeds', () => {
    // One request per batch and a pipeline deeper than L, so that only H can stop the primary.
    const pump = new Pump({ checkpointInterval: K, logWindow: L, maxBatch: 1, maxInflightBatches: 2 * L });
    pump.fate = ({ signed }) => (signed.message.type === 'checkpoint' ? 'hold' : 'deliver');
    const requests = Array.from({ length: L + 2 }, (_, client) => pump.signRequest(client, 1));
    for (const signed of requests) pump.request(signed);
    pump.run();

    const primary = pump.replicas[0]!;
    expect(primary.lowWatermark).toBe(0);
    expect(Math.max(...pump.prePreparedBy(0))).toBe(primary.highWatermark);
    expect(pump.prePreparedBy(0)).toEqual([1, 2, 3, 4]);
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([L, L, L, L]);
    expect(pump.held.length).toBeGreaterThan(0);
    // The last two clients are still waiting.
    expect(pump.repliesFor(L, 1)).toEqual([]);
    expect(pump.repliesFor(L + 1, 1)).toEqual([]);

    pump.fate = () => 'deliver';
    pump.release();
    pump.run();

    // Checkpoints 2 and 4 became stable, H moved to 8, seqs 5 and 6 ran, and checkpoint 6 became stable too.
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([6, 6, 6, 6]);
    expect(pump.replicas.map((replica) => replica.lowWatermark)).toEqual([6, 6, 6, 6]);
    expect(pump.prePreparedBy(0)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let client = 0; client < L + 2; client++) expect(pump.repliesFor(client, 1)).toHaveLength(N);
    const executedEverywhere = pump.replicas.map((replica) => replica.clients.size);
    expect(executedEverywhere).toEqual([L + 2, L + 2, L + 2, L + 2]);
  });
});

describe('replica: faults', () => {
  it('with replica 3 crashed (receiving nothing), the other three still execute', () => {
    const pump = new Pump();
    pump.fate = ({ to }) => (to === 3 ? 'lose' : 'deliver');
    for (let t = 1; t <= 3; t++) {
      pump.request(pump.signRequest(0, t));
      pump.run();
    }
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([3, 3, 3, 0]);
    for (let t = 1; t <= 3; t++) expect(pump.repliesFor(0, t).map(({ from }) => from).sort()).toEqual([0, 1, 2]);
    const [a, b, c] = pump.replicas.map(stateOf);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('a replica that missed every message for two seqs catches up after STATUS retransmission', () => {
    const pump = new Pump();
    const statusIntervalMs = PARAMETERS.statusIntervalMs;
    pump.fate = ({ to }) => (to === 3 ? 'lose' : 'deliver');
    for (let t = 1; t <= 2; t++) {
      pump.request(pump.signRequest(0, t));
      pump.run();
    }
    const lagging = pump.replicas[3]!;
    expect(lagging.lastExecuted).toBe(0);
    expect(lagging.log.size).toBe(0);
    const before = pump.replicas.slice(0, 3).map(stateOf);

    pump.fate = () => 'deliver';
    pump.tickAll(statusIntervalMs + PARAMETERS.retransmitAfterMs + 1);
    pump.run();

    expect(lagging.lastExecuted).toBe(2);
    expect(stateOf(lagging)).toEqual(stateOf(pump.replicas[0]!));
    expect(pump.executedSeqs(3)).toEqual([1, 2]);
    // The others did not execute anything again.
    expect(pump.replicas.slice(0, 3).map(stateOf)).toEqual(before);
    expect(pump.replicas.slice(0, 3).map((replica) => pump.executedSeqs(replica.id))).toEqual([[1, 2], [1, 2], [1, 2]]);
    // The caught-up replica answers the client too.
    expect(pump.repliesFor(0, 2).map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
  });

  it('after catching up, the lagging replica takes part in the next request', () => {
    const pump = new Pump();
    pump.fate = ({ to }) => (to === 3 ? 'lose' : 'deliver');
    pump.request(pump.signRequest(0, 1));
    pump.run();
    pump.fate = () => 'deliver';
    pump.tickAll(1000);
    pump.run();
    // Now replica 2 crashes: the three left, including the one that caught up, must do.
    pump.fate = ({ to }) => (to === 2 ? 'lose' : 'deliver');
    pump.request(pump.signRequest(0, 2));
    pump.run();
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([2, 2, 1, 2]);
  });
});

describe('replica: pre-prepare batches', () => {
  it('requests waiting while the pipeline is full go out together in one batch of at most maxBatch', () => {
    const pump = new Pump({ maxInflightBatches: 1, maxBatch: 3 });
    for (let client = 0; client < 5; client++) pump.request(pump.signRequest(client, 1));
    pump.run();
    const batches = pump.sent.flatMap(({ from, output }) =>
      from === 0 && output.kind === 'broadcast' && output.signed.message.type === 'pre-prepare'
        ? [(output.signed.message as PrePrepare).batch.map((signed) => signed.message.client)]
        : [],
    );
    expect(batches).toEqual([[0], [1, 2, 3], [4]]);
    expect(pump.replicas.map((replica) => replica.clients.size)).toEqual([5, 5, 5, 5]);
  });
});
