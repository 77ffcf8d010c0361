// One seed, start to finish: build the cluster, run it, check the end state, report.
import { toHex } from '../core/bytes.ts';
import { stateDigest } from '../core/checkpoints.ts';
import type { AuthMode } from '../core/auth.ts';
import { quorumsFor } from '../core/quorum.ts';
import type { Replica } from '../core/replica.ts';
import { checkLiveness, type LivenessExpectation } from '../check/liveness.ts';
import { checkPancydbVersions, describePancydbOperation } from '../check/linearizability/index.ts';
import { compareAcrossPrefixes, endStateOf } from '../check/end-state.ts';
import { checkLockseqDatabase } from '../check/lockseq.ts';
import type { Property, Violation } from '../check/violation.ts';
import { createSimulation, type SimulationContext, type SimulationOptions } from './cluster.ts';
import type { EvidenceItem } from './evidence-log.ts';
import { canonicalOptimizations, type Optimization } from './optimizations.ts';
import type { ReplicaCostReport } from './replica-costs.ts';

export interface SeedReport {
  readonly seed: number;
  readonly n: number;
  readonly f: number;
  /** How messages were authenticated (src/core/auth.ts): 'signed' or 'mac'. */
  readonly auth: AuthMode;
  /** The §5.1 optimizations on in the run (src/sim/optimizations.ts), in canonical order; [] for none. */
  readonly optimizations: readonly Optimization[];
  /** Byzantine replicas; every figure below comes from the correct ones. */
  readonly faulty: readonly number[];
  readonly durationS: number;
  /** Completed lockseq operations per phase (zero for other workloads). */
  readonly lock: number;
  readonly write: number;
  readonly clear: number;
  readonly unlock: number;
  /** Client operations accepted (f+1 matching replies). */
  readonly committed: number;
  /**
   * Correct clients' gets sent as read-only requests (read-only on; zeros otherwise):
   * accepted on 2f+1 matching answers, or sent down the ordered path after all.
   */
  readonly reads: { readonly accepted: number; readonly fellBack: number };
  /** Throughput: operations accepted per simulated second of the workload (what slow-primary attacks). */
  readonly opsPerSecond: number;
  /** Highest sequence number executed by any replica. */
  readonly executedSeq: number;
  /** The highest view any replica reached, and NEW-VIEWs accepted (summed over replicas). */
  readonly viewChanges: number;
  readonly finalView: number;
  /** States installed from peers (summed over replicas). */
  readonly stateTransfers: number;
  /** Final state digest per replica (store, nextVersion and client table), hex. */
  readonly stateDigests: Record<string, string>;
  readonly lastExecuted: Record<string, number>;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly messages: { readonly sent: number; readonly delivered: number; readonly lost: number };
  readonly drops: Record<string, number>;
  /** The Pancydb version checker's verdict on what clients saw ('unknown': it ran out of steps). */
  readonly linearizability: 'linearizable' | 'not-linearizable' | 'unknown';
  readonly violations: readonly { readonly property: Property; readonly detail: string }[];
  /**
   * Every replica, faulty ones included (what an attacker spent is part of the picture):
   * messages and bytes sent and received by type, signatures and verify calls, and the
   * verifications the shared memo could not answer (src/sim/replica-costs.ts).
   */
  readonly perReplica: Record<string, ReplicaCostReport>;
  /** The most bytes of protocol messages any correct replica held at a sampled moment (see REPLICA_BYTE_BUDGET). */
  readonly peakReplicaBytes: number;
  /**
   * Evidence of equivocation correct replicas kept (src/core/evidence.ts): per holder, culprit
   * and kind, the slot and both signed frames in hex; `pancydb verify-evidence` checks them.
   */
  readonly evidence: readonly EvidenceItem[];
}

export interface SeedRun {
  readonly report: SeedReport;
  readonly context: SimulationContext;
  readonly violations: readonly Violation[];
}

export interface RunOptions extends SimulationOptions {
  /** A scenario's liveness bound; without it only safety is checked. */
  readonly liveness?: LivenessExpectation;
  /** Most bytes of protocol messages a correct replica may hold (Replica.retainedBytes); REPLICA_BYTE_BUDGET unless told. */
  readonly replicaByteBudget?: number;
}

/**
 * The memory-bound checker's byte budget per correct replica: the log, batches, votes,
 * proofs and buffers it holds, not the store. The shipped scenarios use small keys and
 * values; 16 MiB is several times what any of them needs (the sweep reports the peak), and
 * far below what an unbounded buffer reaches under a flood.
 */
export const REPLICA_BYTE_BUDGET = 16 * 1024 * 1024;

/** How often, in simulated ms, each correct replica's bytes are counted (counting walks every structure). */
const BYTE_CHECK_INTERVAL_MS = 100;

export function runSeed(options: RunOptions): SeedRun {
  const bytes = new ByteWatch(options.replicaByteBudget ?? REPLICA_BYTE_BUDGET);
  const simulation = createSimulation({ ...options, afterReplicaStep: (replica, nowMs) => {
    checkMemoryBounds(simulation, replica, nowMs);
    bytes.check(simulation, replica, nowMs);
    options.afterReplicaStep?.(replica, nowMs);
  } });
  simulation.run();
  // One snapshot and digest per replica serves both the end-state check and the report.
  const digests = simulation.replicas.map((replica) => toHex(finalDigest(simulation, replica)));
  checkEndState(simulation, digests);
  const linearizability = checkHistory(simulation);
  if (options.liveness !== undefined && simulation.checker.ok) {
    for (const violation of checkLiveness(simulation.history.operations, options.liveness, simulation.queue.nowMs, { correctClients: options.workload.clients })) simulation.checker.report(violation);
  }
  return { report: buildReport(simulation, digests, linearizability, bytes.peakBytes), context: simulation, violations: simulation.checker.violations };
}

/**
 * What clients saw must be linearizable (Herlihy & Wing), the guarantee PBFT gives
 * clients (OSDI'99 §3). The version checker reports the smallest
 * sets of operations it found that no linearization can satisfy.
 */
function checkHistory(simulation: SimulationContext): SeedReport['linearizability'] {
  const result = checkPancydbVersions(simulation.history.operations, { maxViolations: 3 });
  for (const violation of result.violations) {
    const operations = violation.operations.map(describePancydbOperation).join('; ');
    simulation.checker.report({
      property: 'linearizability',
      detail: `${violation.kind}: ${violation.detail} [operations: ${operations}]`,
      replicas: [],
      atMs: simulation.queue.nowMs,
      operations: violation.operations.map((operation) => operation.id),
    });
  }
  return result.verdict;
}

/** §4.3: the log holds at most L sequence numbers; future buffers stay within their caps. */
function checkMemoryBounds(simulation: SimulationContext, replica: Replica, nowMs: number): void {
  const { logWindow, futureBufferPerSender, n } = replica.config;
  if (replica.log.size > logWindow) {
    simulation.checker.report({ property: 'memory-bound', detail: `log holds ${replica.log.size} > L=${logWindow} entries`, replicas: [replica.id], atMs: nowMs });
  }
  if (replica.bufferedCount > futureBufferPerSender * n) {
    simulation.checker.report({ property: 'memory-bound', detail: `${replica.bufferedCount} messages buffered`, replicas: [replica.id], atMs: nowMs });
  }
}

/** Memory bounded in bytes: each correct replica's retained bytes, sampled, against the budget; the peak is reported. */
class ByteWatch {
  peakBytes = 0;
  private readonly nextCheckMs = new WeakMap<Replica, number>();
  private reported = false;

  constructor(private readonly budgetBytes: number) {}

  check(simulation: SimulationContext, replica: Replica, nowMs: number): void {
    if (nowMs < (this.nextCheckMs.get(replica) ?? 0)) return;
    // A faulty replica's bytes are its own business: never check it again.
    const correct = simulation.correct.includes(replica.id);
    this.nextCheckMs.set(replica, correct ? nowMs + BYTE_CHECK_INTERVAL_MS : Infinity);
    if (!correct) return;
    const held = replica.retainedBytes();
    this.peakBytes = Math.max(this.peakBytes, held);
    if (held <= this.budgetBytes || this.reported) return;
    this.reported = true;
    simulation.checker.report({ property: 'memory-bound', detail: `replica ${replica.id} holds ${held} bytes of messages > budget ${this.budgetBytes}`, replicas: [replica.id], atMs: nowMs });
  }
}

function finalDigest(simulation: SimulationContext, replica: Replica): Uint8Array {
  return stateDigest(simulation.crypto.sha256, replica.store.snapshot(), replica.clients.encode());
}

/** Only correct replicas' final states are compared: a Byzantine one may hold anything. */
function checkEndState(simulation: SimulationContext, digests: readonly string[]): void {
  const { checker, workloads, queue } = simulation;
  const replicas = correctReplicas(simulation);
  const atMs = queue.nowMs;
  const byPrefix = new Map<number, { replica: number; digest: string }>();
  for (const replica of replicas) {
    const digest = digests[replica.id]!;
    const first = byPrefix.get(replica.lastExecuted);
    if (first === undefined) byPrefix.set(replica.lastExecuted, { replica: replica.id, digest });
    else if (first.digest !== digest) {
      checker.report({ property: 'state-agreement', detail: `after n=${replica.lastExecuted} replicas ${first.replica} and ${replica.id} hold different states`, replicas: [first.replica, replica.id], seq: replica.lastExecuted, atMs });
    }
  }
  for (const problem of compareAcrossPrefixes(replicas.map(endStateOf))) checker.report({ property: 'state-agreement', detail: problem.detail, replicas: [...problem.replicas], seq: problem.seq, atMs });
  if (workloads.options.kind !== 'lockseq') return;
  const groups = workloads.options.groups === undefined ? {} : { groups: workloads.options.groups };
  for (const replica of replicas) {
    const problems = checkLockseqDatabase((key) => replica.store.read(key), { maxSequenceLength: workloads.options.maxSequenceLength, ...groups });
    for (const detail of problems.slice(0, 5)) checker.report({ property: 'lockseq', detail: `replica ${replica.id}: ${detail}`, replicas: [replica.id], atMs });
  }
  for (const anomaly of workloads.lockseq!.anomalies.slice(0, 5)) checker.report({ property: 'lockseq', detail: `client saw: ${anomaly}`, replicas: [], atMs });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function correctReplicas(simulation: SimulationContext): Replica[] {
  return simulation.correct.map((id) => simulation.replicas[id]!);
}

function buildReport(simulation: SimulationContext, digests: readonly string[], linearizability: SeedReport['linearizability'], peakReplicaBytes: number): SeedReport {
  const { options, workloads, latenciesMs, checker } = simulation;
  const replicas = correctReplicas(simulation);
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const phases = workloads.lockseq ?? { lock: 0, write: 0, clear: 0, unlock: 0 };
  return {
    seed: options.seed,
    n: options.n,
    f: quorumsFor(options.n).f,
    auth: options.auth ?? 'signed',
    optimizations: canonicalOptimizations(options.optimizations ?? []),
    faulty: simulation.faulty,
    durationS: options.durationMs / 1000,
    lock: phases.lock,
    write: phases.write,
    clear: phases.clear,
    unlock: phases.unlock,
    committed: latenciesMs.length,
    reads: { ...simulation.reads },
    opsPerSecond: Math.round((latenciesMs.length / ((options.workloadDurationMs ?? options.durationMs) / 1000)) * 10) / 10,
    executedSeq: Math.max(...replicas.map((replica) => replica.lastExecuted)),
    viewChanges: Math.max(...replicas.map((replica) => replica.viewChangesCompleted)),
    finalView: Math.max(...replicas.map((replica) => replica.view)),
    stateTransfers: replicas.reduce((total, replica) => total + replica.stateTransfers, 0),
    stateDigests: Object.fromEntries(replicas.map((replica) => [String(replica.id), digests[replica.id]!])),
    lastExecuted: Object.fromEntries(replicas.map((replica) => [String(replica.id), replica.lastExecuted])),
    latencyMs: { p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), max: round(sorted.at(-1) ?? 0) },
    messages: { ...simulation.messages },
    drops: Object.fromEntries([...simulation.drops].sort(([a], [b]) => a.localeCompare(b))),
    linearizability,
    violations: checker.violations.map(({ property, detail }) => ({ property, detail })),
    perReplica: simulation.costs.report(),
    peakReplicaBytes,
    evidence: simulation.evidence.list(),
  };
}
