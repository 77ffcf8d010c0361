// Byzantine clients (src/sim/byzantine-clients.ts): clients with valid keys that
// equivocate, jump their timestamps, replay and flood. Clients are untrusted (OSDI'99 §3):
// each request executes at most once in one agreed order (§4.1, §4.2), old timestamps get
// the cached reply or nothing (§4.1), broken frames die at the gateway, and what replicas
// keep per client stays one entry per registered client.
import { describe, expect, it } from 'vitest';
import { checkPancydbVersions } from '../../src/check/linearizability/index.ts';
import type { Replica } from '../../src/core/replica.ts';
import { NEAR_TOP, type ByzantineClientOptions } from '../../src/sim/byzantine-clients.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

const CORRECT_CLIENTS = 4;
/** Measured worst case over 100 seeds of the shipped scenario: 0.23 s; 3 s leaves room for one view change. */
const COMPLETE_WITHIN_MS = 3_000;

/** The per-client maps of a replica, which TypeScript keeps private (read here, never written). */
interface PerClient {
  readonly waiting: ReadonlyMap<number, unknown>;
  readonly pending: ReadonlyMap<number, unknown>;
  readonly ordered: ReadonlyMap<number, unknown>;
  /** The batch store (src/core/batch-store.ts), whose map a flood of batches could grow. */
  readonly batches: { readonly batches: ReadonlyMap<string, unknown> };
}

interface ByzantineRun {
  readonly run: SeedRun;
  /** The largest size each per-client structure reached at any correct replica, at any step. */
  readonly peak: { waiting: number; pending: number; ordered: number; clientTable: number; batches: number };
}

/** The adversary tests' common run (test/support/adversary-run.ts), 11 s long, with the given Byzantine clients; 3 s to finish. */
function byzantineRun(seed: number, byzantineClients: ByzantineClientOptions): ByzantineRun {
  const peak = { waiting: 0, pending: 0, ordered: 0, clientTable: 0, batches: 0 };
  const run = adversaryRun({
    seed,
    durationMs: 11_000,
    workload: lockseqWorkloadOf('ci', CORRECT_CLIENTS),
    byzantineClients,
    liveness: { liveAfterMs: 0, completeWithinMs: COMPLETE_WITHIN_MS },
    afterReplicaStep: (replica: Replica) => {
      const maps = replica as unknown as PerClient;
      peak.waiting = Math.max(peak.waiting, maps.waiting.size);
      peak.pending = Math.max(peak.pending, maps.pending.size);
      peak.ordered = Math.max(peak.ordered, maps.ordered.size);
      peak.clientTable = Math.max(peak.clientTable, replica.clients.size);
      peak.batches = Math.max(peak.batches, maps.batches.batches.size);
    },
  });
  return { run, peak };
}

function dropped(run: SeedRun, reasons: readonly string[]): number {
  return reasons.reduce((total, reason) => total + (run.report.drops[reason] ?? 0), 0);
}

describe('Byzantine clients', () => {
  it('two clients flooding valid and invalid requests at 100/s each: invalid ones dropped, correct clients keep committing within 3 s, per-client state bounded (4 seeds)', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const { run, peak } = byzantineRun(seed, { count: 2, kinds: ['flood-valid', 'flood-invalid'], ratePerS: 100 });
      expect(describeViolations(run)).toEqual([]);
      const byzantine = run.context.byzantineClients!;
      expect(byzantine.sent['flood-valid'], `seed ${seed}`).toBeGreaterThan(500);
      expect(byzantine.sent['flood-invalid'], `seed ${seed}`).toBeGreaterThan(500);
      expect(run.report.drops['bad-signature'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.drops['malformed'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(dropped(run, ['sender-not-signer', 'unknown-signer']), `seed ${seed}`).toBeGreaterThan(0);
      // Their valid requests did execute (and were answered), beside the correct clients' work.
      expect(byzantine.replies, `seed ${seed}`).toBeGreaterThan(100);
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(120);
      const clients = CORRECT_CLIENTS + 2;
      expect(Math.max(peak.waiting, peak.pending, peak.ordered), `seed ${seed}`).toBeLessThanOrEqual(clients);
      expect(peak.clientTable, `seed ${seed}`).toBe(clients);
      // Batches are collected at stable checkpoints (§4.3): at most one per n in the window.
      expect(peak.batches, `seed ${seed}`).toBeLessThanOrEqual(run.context.replicas[0]!.config.logWindow);
    }
  });

  it('every kind at 50/s: equivocation executes once, huge timestamps exhaust only their own client, replays are answered or dropped as stale (3 seeds)', () => {
    for (let seed = 10; seed < 13; seed++) {
      const { run, peak } = byzantineRun(seed, { count: 2, kinds: ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid'], ratePerS: 50 });
      // Exactly-once and agreement are the safety checker's: no (client, t) executes twice.
      expect(describeViolations(run)).toEqual([]);
      const byzantine = run.context.byzantineClients!;
      for (const kind of ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid'] as const) expect(byzantine.sent[kind], `seed ${seed} ${kind}`).toBeGreaterThan(50);
      expect(run.report.drops['stale-request'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      // Both Byzantine clients executed a t near 2^53-1 at every correct replica; correct clients were unaffected.
      for (const id of run.context.correct) {
        const tops = byzantine.ids.map((client) => run.context.replicas[id]!.clients.get(client)?.timestamp ?? 0);
        expect(Math.min(...tops), `seed ${seed} replica ${id}`).toBeGreaterThanOrEqual(Number.MAX_SAFE_INTEGER - NEAR_TOP);
      }
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(120);
      expect(peak.clientTable, `seed ${seed}`).toBe(CORRECT_CLIENTS + 2);
      expect(Math.max(peak.waiting, peak.pending, peak.ordered), `seed ${seed}`).toBeLessThanOrEqual(CORRECT_CLIENTS + 2);
    }
  });

  // Byzantine clients' writes take versions from the database-wide counter. Versions that
  // no operation in the history explains are a violation, so the driver adds each of
  // their executed requests to the history (src/sim/cluster.ts, recordByzantineExecution).
  it('the version checker rejects a version gap that no operation in the history explains', () => {
    const history = [
      { id: 0, client: 0, callMs: 0, returnMs: 10, input: { type: 'put', key: 'a', value: 'x' } as const, output: { status: 'ok', actual: '', previousVersion: 0, version: 2 } as const },
      { id: 1, client: 0, callMs: 20, returnMs: 30, input: { type: 'get', key: 'a' } as const, output: { status: 'ok', value: 'x', version: 2 } as const },
    ];
    expect(checkPancydbVersions(history).verdict).toBe('not-linearizable');
  });

  it('their executed writes take versions and join the history once each, which stays linearizable (3 seeds)', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const { run } = byzantineRun(seed, { count: 2, kinds: ['equivocate', 'replay', 'flood-valid'], ratePerS: 50 });
      expect(describeViolations(run)).toEqual([]);
      const byzantine = run.context.history.operations.filter((operation) => operation.client >= CORRECT_CLIENTS);
      const versioned = byzantine.filter((operation) => operation.output !== undefined && 'actual' in operation.output && operation.output.status === 'ok' && operation.output.version > 0);
      expect(versioned.length, `seed ${seed}`).toBeGreaterThan(10);
      const keys = byzantine.map((operation) => `${operation.client}:${JSON.stringify(operation.input)}:${operation.callMs}`);
      expect(new Set(keys).size, `seed ${seed}: an operation recorded twice`).toBe(keys.length);
      expect(run.report.linearizability, `seed ${seed}`).toBe('linearizable');
    }
  });
});
