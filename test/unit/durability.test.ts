// The durability rules of src/core/durability.ts, checked on real replicas: every binding
// message is on disk before it leaves, a replica rebuilt from its disk is the replica it
// was (view, watermarks, certificates, its own votes), and it refuses to sign a different
// digest for anything it logged (sign-guard.ts).
import { describe, expect, it } from 'vitest';
import { decodeCheckpointFile, decodeRecord, encodeCheckpointFile, encodeRecord, type DurableRecord } from '../../src/core/durable-records.ts';
import { DiskStateError, type DiskContents } from '../../src/core/durability.ts';
import type { Message, Prepare, PrePrepare, Signed } from '../../src/core/messages.ts';
import { Replica } from '../../src/core/replica.ts';
import { SignedTwiceError } from '../../src/core/sign-guard.ts';
import { hex, Pump } from '../support/pump.ts';

const PARAMETERS = { checkpointInterval: 4, logWindow: 8, maxBatch: 2, maxInflightBatches: 4 };

/**
 * A disk as the drivers keep it: records in order; a checkpoint replaces the file and, when
 * it may truncate, drops every record before it (they are in older segments).
 */
function diskOf(pump: Pump, id: number, outputsUpTo = pump.sent.length): DiskContents {
  let checkpoint: Uint8Array | undefined;
  let records: Uint8Array[] = [];
  for (const { from, output } of pump.sent.slice(0, outputsUpTo)) {
    if (from !== id) continue;
    if (output.kind === 'persist') records.push(output.record);
    if (output.kind === 'checkpoint') {
      checkpoint = output.bytes;
      if (output.truncate) records = [];
    }
  }
  return { checkpoint, records };
}

/** Client requests, several per client, sent to every replica and delivered. */
function load(pump: Pump, clients: number, perClient: number, firstT = 1): void {
  for (let t = firstT; t < firstT + perClient; t++) {
    for (let client = 0; client < clients; client++) {
      const signed = pump.signRequest(client, t, { type: 'put', key: `k${client}`, value: `v${t}` });
      for (let id = 0; id < pump.n; id++) pump.request(signed, id);
    }
    pump.run();
    pump.advance(pump.nowMs + 50);
  }
}

/**
 * A run with checkpoints and a view change (primary 0 silenced, then back), that ends
 * mid-flight: the last requests executed at replicas 0 and 1 only (enough replies for a
 * client to accept them), because every COMMIT to replicas 2 and 3 is held.
 */
function busyPump(): Pump {
  const pump = new Pump({ parameters: PARAMETERS });
  load(pump, 3, 6);
  pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
  load(pump, 3, 1, 7);
  pump.advance(pump.nowMs + 3_000);
  pump.outbound = (_from, output) => output.signed;
  load(pump, 3, 4, 8);
  pump.fate = (envelope) => (envelope.signed.message.type === 'commit' && envelope.to >= 2 ? 'hold' : 'deliver');
  for (let client = 0; client < 3; client++) {
    const signed = pump.signRequest(client, 12, { type: 'put', key: `k${client}`, value: 'acked' });
    for (let id = 0; id < pump.n; id++) pump.request(signed, id);
  }
  pump.run();
  expect(pump.repliesFor(2, 12).length).toBe(2);
  expect(pump.replica(3).lastExecuted).toBeLessThan(pump.replica(0).lastExecuted);
  pump.fate = () => 'deliver';
  pump.held.length = 0;
  return pump;
}

const BINDING = new Set<Message['type']>(['pre-prepare', 'prepare', 'commit', 'checkpoint', 'view-change', 'new-view']);

describe('durable records', () => {
  it('round-trip: a frame, a certificate, a certified batch, a checkpoint file', () => {
    const pump = busyPump();
    const disk = diskOf(pump, 3);
    expect(disk.checkpoint).toBeDefined();
    const records = disk.records.map(decodeRecord);
    expect(new Set(records.map((record) => record.kind))).toEqual(new Set(['frame', 'certificate']));
    for (const bytes of disk.records) expect(hex(encodeRecord(decodeRecord(bytes)))).toBe(hex(bytes));
    const file = decodeCheckpointFile(disk.checkpoint!);
    expect(hex(encodeCheckpointFile(file))).toBe(hex(disk.checkpoint!));
    expect(file.state.proof.length).toBe(3);
    const certified: DurableRecord = { kind: 'certified', prePrepare: pump.broadcastsBy(1, 'pre-prepare')[0] as Signed<PrePrepare> };
    expect(hex(encodeRecord(decodeRecord(encodeRecord(certified))))).toBe(hex(encodeRecord(certified)));
  });
});

describe('rules 1-3: on disk before it leaves', () => {
  it('every binding frame, the batch of every PREPARE, the certificate of every COMMIT and the batch of every REPLY', () => {
    const pump = busyPump();
    expect(pump.replica(1).view).toBe(1);
    const persisted = pump.replicas.map(() => ({ frames: new Set<string>(), batches: new Set<string>(), certificates: new Set<string>(), requests: new Set<string>() }));
    let checked = 0;
    for (const { from, output } of pump.sent) {
      const disk = persisted[from]!;
      if (output.kind === 'persist') {
        const record = decodeRecord(output.record);
        if (record.kind === 'certificate') {
          const { view, seq, digest } = record.certificate.prePrepare.message;
          disk.certificates.add(`${view}/${seq}/${hex(digest)}`);
          continue;
        }
        const signed = record.kind === 'frame' ? record.signed : record.prePrepare;
        disk.frames.add(hex(signed.frame));
        if (signed.message.type === 'pre-prepare') {
          const { view, seq, digest, batch } = signed.message;
          disk.batches.add(`${view}/${seq}/${hex(digest)}`);
          for (const request of batch) disk.requests.add(`${request.message.client}/${request.message.timestamp}`);
        }
        continue;
      }
      if (output.kind !== 'send' && output.kind !== 'broadcast') continue;
      const message = output.signed.message;
      if (message.type === 'reply') {
        expect(disk.requests.has(`${message.client}/${message.timestamp}`), `replica ${from} replied to ${message.client}/${message.timestamp} before its batch was on disk`).toBe(true);
        checked++;
        continue;
      }
      if (!BINDING.has(message.type) || !('replica' in message) || message.replica !== from) continue;
      // A PRE-PREPARE of O goes out inside the NEW-VIEW, which is logged; a resend of a logged frame is the same bytes.
      expect(disk.frames.has(hex(output.signed.frame)), `replica ${from} sent ${message.type} before logging it`).toBe(true);
      if (message.type === 'prepare') expect(disk.batches.has(`${message.view}/${message.seq}/${hex(message.digest)}`)).toBe(true);
      if (message.type === 'commit') expect(disk.certificates.has(`${message.view}/${message.seq}/${hex(message.digest)}`)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('a checkpoint truncates the log only while the replica is in a view, never during a view change', () => {
    const pump = busyPump();
    const active = pump.replicas.map(() => true);
    let checkpoints = 0;
    for (const { from, output } of pump.sent) {
      if (output.kind === 'event' && output.event.type === 'view-change') active[from] = false;
      if (output.kind === 'event' && output.event.type === 'new-view') active[from] = true;
      if (output.kind !== 'checkpoint') continue;
      checkpoints++;
      expect(output.truncate).toBe(active[from]);
      const file = decodeCheckpointFile(output.bytes);
      expect(file.state.seq).toBe(output.seq);
      expect(file.state.replica).toBe(from);
    }
    expect(checkpoints).toBeGreaterThan(4);
  });
});

describe('restart from disk', () => {
  it('comes back in its view, with its watermark, certificates and own votes', () => {
    const pump = busyPump();
    for (let id = 0; id < pump.n; id++) {
      const before = pump.replica(id);
      const after = new Replica(before.config, { disk: diskOf(pump, id) });
      expect(after.view, `replica ${id}`).toBe(before.view);
      expect(after.active).toBe(before.active);
      expect(after.lowWatermark).toBe(before.lowWatermark);
      expect(after.lastExecuted).toBe(before.lowWatermark);
      const certificates = (replica: Replica) => replica.certificates.within(replica.lowWatermark, Infinity).map(({ prePrepare }) => hex(prePrepare.frame));
      expect(certificates(after)).toEqual(certificates(before));
      for (const entry of before.log.ordered()) {
        if (entry.view !== before.view || entry.seq <= before.lowWatermark) continue;
        const restored = after.log.get(entry.seq)!;
        expect(hex(restored.sentPrepare?.frame ?? new Uint8Array())).toBe(hex(entry.sentPrepare?.frame ?? new Uint8Array()));
        expect(hex(restored.sentCommit?.frame ?? new Uint8Array())).toBe(hex(entry.sentCommit?.frame ?? new Uint8Array()));
        expect(hex(restored.digest!)).toBe(hex(entry.digest!));
      }
    }
  });

  it('refuses to sign a different digest for a (v, n, phase) it logged, and signs the same one again', () => {
    const pump = busyPump();
    const id = 2;
    const before = pump.replica(id);
    const logged = before.log.ordered().find((entry) => entry.sentPrepare !== undefined && entry.view === before.view)!;
    expect(logged).toBeDefined();
    const after = new Replica(before.config, { disk: diskOf(pump, id) });
    const prepare = (digest: Uint8Array): Prepare => ({ type: 'prepare', view: logged.view, seq: logged.seq, digest, replica: id });
    expect(hex(after.sign(prepare(logged.digest!)).frame)).toBe(hex(logged.sentPrepare!.frame));
    expect(() => after.sign(prepare(new Uint8Array(32).fill(7)))).toThrow(SignedTwiceError);
    // The same refusal within one incarnation.
    expect(() => before.sign(prepare(new Uint8Array(32).fill(7)))).toThrow(SignedTwiceError);
  });

  it('a restarted replica takes part again: the cluster keeps executing and all states agree', () => {
    const pump = busyPump();
    const restarted = new Replica(pump.replica(3).config, { disk: diskOf(pump, 3) });
    (pump.replicas as Replica[])[3] = restarted;
    load(pump, 3, 10, 20);
    pump.advance(pump.nowMs + 2_000);
    const executed = pump.replicas.map((replica) => replica.lastExecuted);
    expect(Math.min(...executed)).toBe(Math.max(...executed));
    expect(executed[3]).toBeGreaterThan(restarted.lowWatermark);
    expect(new Set(pump.replicas.map((replica) => hex(replica.store.digest())))).toHaveProperty('size', 1);
  });

  it('the whole cluster restarts from its disks and loses no acknowledged write', () => {
    const pump = busyPump();
    const executedBefore = Math.max(...pump.replicas.map((replica) => replica.lastExecuted));
    const digestBefore = hex(pump.replica(0).store.digest());
    for (let id = 0; id < pump.n; id++) (pump.replicas as Replica[])[id] = new Replica(pump.replica(id).config, { disk: diskOf(pump, id) });
    expect(Math.max(...pump.replicas.map((replica) => replica.lastExecuted))).toBeLessThan(executedBefore);
    pump.advance(pump.nowMs + 3_000);
    for (const replica of pump.replicas) expect(replica.lastExecuted, `replica ${replica.id}`).toBeGreaterThanOrEqual(executedBefore);
    for (const replica of pump.replicas) expect(hex(replica.store.digest()), `replica ${replica.id}`).toBe(digestBefore);
    for (let client = 0; client < 3; client++) expect(pump.replica(3).store.snapshot().entries.find(([key]) => key === `k${client}`)?.[1]).toBe('acked');
    // and it keeps going
    load(pump, 3, 2, 40);
    pump.advance(pump.nowMs + 1_000);
    expect(Math.min(...pump.replicas.map((replica) => replica.lastExecuted))).toBeGreaterThan(executedBefore);
  });

  it('the whole cluster crashes during a view change: the batches of old-view certificates come back too', () => {
    // Found by review: restore skipped PRE-PREPAREs of views below its own, and with them the
    // only copies of batches that the next NEW-VIEW's O names by digest.
    const pump = new Pump({ parameters: PARAMETERS });
    load(pump, 3, 3);
    const executedBefore = pump.replica(1).lastExecuted;
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    pump.fate = (envelope) => (envelope.signed.message.type === 'view-change' && envelope.to === 1 ? 'lose' : 'deliver');
    const signed = pump.signRequest(0, 10, { type: 'put', key: 'k0', value: 'x' });
    for (let id = 0; id < pump.n; id++) pump.request(signed, id);
    pump.run();
    pump.advance(pump.nowMs + 3_000);
    expect(pump.replicas.every((replica) => !replica.active)).toBe(true);
    for (let id = 0; id < pump.n; id++) (pump.replicas as Replica[])[id] = new Replica(pump.replica(id).config, { disk: diskOf(pump, id) });
    pump.outbound = (_from, output) => output.signed;
    pump.fate = () => 'deliver';
    pump.advance(pump.nowMs + 10_000);
    for (const replica of pump.replicas) expect(replica.lastExecuted, `replica ${replica.id}`).toBeGreaterThanOrEqual(executedBefore);
    for (const replica of pump.replicas) expect(replica.active, `replica ${replica.id}`).toBe(true);
    load(pump, 3, 2, 20);
    pump.advance(pump.nowMs + 1_000);
    expect(Math.min(...pump.replicas.map((replica) => replica.lastExecuted))).toBeGreaterThan(executedBefore);
  });

  it('refuses a checkpoint file of another replica', () => {
    const pump = busyPump();
    expect(() => new Replica(pump.replica(2).config, { disk: diskOf(pump, 1) })).toThrow(/replica 1's, this is replica 2/);
  });

  it('refuses a checkpoint whose state does not hash to its proof', () => {
    const pump = busyPump();
    const disk = diskOf(pump, 1);
    const file = decodeCheckpointFile(disk.checkpoint!);
    const tampered = encodeCheckpointFile({ ...file, state: { ...file.state, clients: [] } });
    expect(() => new Replica(pump.replica(1).config, { disk: { checkpoint: tampered, records: disk.records } })).toThrow(DiskStateError);
  });

  it('a restart from a disk and without memory at once is a usage error', () => {
    const pump = busyPump();
    expect(() => new Replica(pump.replica(1).config, { disk: diskOf(pump, 1), restarted: true, recoveryNonce: new Uint8Array(16) })).toThrow(/not both/);
  });
});

