// After the run: what the recorder heard (sim-recorder.ts), with what the run's options and
// results say, becomes the run record: lanes, the static faults as lane events, view
// bands, client operations and the checkers' verdict.
import { primaryOf, quorumsFor } from '../core/quorum.ts';
import type { RunOptions, SeedRun } from '../sim/run.ts';
import { describeOperation, describeResult } from '../sim/trace.ts';
import { RUN_RECORD_FORMAT, type Lane, type LaneEvent, type OperationRecord, type RunRecord, type ViewBand } from './record.ts';
import type { SimRecorder } from './sim-recorder.ts';

/** What the record says about where the run came from. */
export interface RecordSource {
  /** The command that replays the run, with its trace. */
  readonly replay: string;
  /** The scenario file, when there was one. */
  readonly scenario?: string;
  /** A heading for the picture; default: seed, n, f and the workload. */
  readonly title?: string;
}

export function completeRecord(recorder: SimRecorder, options: RunOptions, run: SeedRun, source: RecordSource & { readonly title: string }): RunRecord {
  const { report, context } = run;
  const endMs = context.queue.nowMs;
  // A copy still on the wire when the run stopped (at its end, or at the first violation) never arrived.
  for (const message of recorder.messages) if (message.receivedMs === undefined && message.lost === undefined) message.lost = 'run-ended';
  const events = [...recorder.events, ...faultEvents(options)].sort((a, b) => a.atMs - b.atMs);
  return {
    format: RUN_RECORD_FORMAT,
    source: { kind: 'simulator', seed: options.seed, ...(source.scenario === undefined ? {} : { scenario: source.scenario }), replay: source.replay },
    title: source.title,
    n: options.n,
    f: quorumsFor(options.n).f,
    auth: report.auth,
    endMs,
    lanes: lanesOf(options, context.byzantineClients?.ids.length ?? 0),
    messages: recorder.messages,
    events,
    views: viewBands(options.n, recorder.entered),
    operations: operationsOf(run),
    verdict: {
      ok: report.violations.length === 0,
      linearizability: report.linearizability,
      violations: run.violations.map(({ property, detail, atMs }) => ({ property, detail, atMs })),
    },
    evidence: report.evidence,
    ...(Number.isFinite(recorder.leftOut.atMs) ? { truncated: { ...recorder.leftOut } } : {}),
  };
}

function lanesOf(options: RunOptions, byzantineClients: number): Lane[] {
  const replicas = Array.from({ length: options.n }, (_, index): Lane => {
    const spec = options.faulty?.get(index);
    if (spec === undefined) return { id: `r${index}`, kind: 'replica', index };
    const given = Object.keys(spec.options).length === 0 ? {} : { options: JSON.stringify(spec.options) };
    return { id: `r${index}`, kind: 'replica', index, faulty: { adversary: spec.definition.name, ...given } };
  });
  const correct = options.workload.clients;
  const byzantine = options.byzantineClients;
  const clients = Array.from({ length: correct + byzantineClients }, (_, index): Lane => {
    if (index < correct || byzantine === undefined) return { id: `c${index}`, kind: 'client', index };
    // Each Byzantine client cycles through all the kinds (sim/byzantine-clients.ts).
    return { id: `c${index}`, kind: 'client', index, faulty: { adversary: `byzantine client: ${byzantine.kinds.join(', ')}`, options: `${byzantine.ratePerS} requests/s` } };
  });
  return [...replicas, ...clients];
}

/** The network's faults, which the options fix before the run: crashes, silences, partitions. */
function faultEvents(options: RunOptions): LaneEvent[] {
  const seconds = (ms: number) => `${ms / 1000} s`;
  const until = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? {} : { untilMs: ms });
  const events: LaneEvent[] = [];
  for (const crash of options.network.crashes) {
    const comeback = crash.restartAtMs === undefined ? 'for good' : `until ${seconds(crash.restartAtMs)}${crash.amnesia === true ? ', its disk lost' : ''}`;
    events.push({ lane: `r${crash.replica}`, atMs: crash.atMs, kind: 'crash', ...until(crash.restartAtMs), text: `CRASH ${comeback}` });
  }
  for (const silence of options.network.silences) {
    const to = Number.isFinite(silence.untilMs) ? `until ${seconds(silence.untilMs)}` : 'to the end';
    events.push({ lane: `r${silence.replica}`, atMs: silence.fromMs, kind: 'silent', ...until(silence.untilMs), text: `SILENT ${to}: it hears everything, everything it sends is lost` });
  }
  for (const partition of options.network.partitions) {
    partition.groups.forEach((group, index) => {
      const others = partition.groups.filter((_, other) => other !== index).flat();
      for (const replica of group) {
        events.push({ lane: `r${replica}`, atMs: partition.fromMs, kind: 'partition', ...until(partition.untilMs), text: `PARTITION until ${seconds(partition.untilMs)}: cut off from replicas ${others.join(', ')}` });
      }
    });
  }
  return events;
}

/** View 0 from the start for every replica; each later view from the first time a replica entered it. */
function viewBands(n: number, entered: ReadonlyMap<number, ReadonlyMap<number, number>>): ViewBand[] {
  const bands: ViewBand[] = [{ view: 0, primary: primaryOf(0, n), entered: Object.fromEntries(Array.from({ length: n }, (_, replica) => [String(replica), 0])) }];
  for (const view of [...entered.keys()].filter((view) => view > 0).sort((a, b) => a - b)) {
    const byReplica = [...entered.get(view)!].sort(([a], [b]) => a - b);
    bands.push({ view, primary: primaryOf(view, n), entered: Object.fromEntries(byReplica.map(([replica, atMs]) => [String(replica), atMs])) });
  }
  return bands;
}

function operationsOf(run: SeedRun): OperationRecord[] {
  const offending = offendingOperations(run);
  return run.context.history.operations.map((operation) => ({
    client: operation.client,
    callMs: operation.callMs,
    ...(operation.returnMs === undefined ? {} : { returnMs: operation.returnMs }),
    operation: describeOperation(operation.input),
    ...(operation.output === undefined ? {} : { result: describeResult(operation.output) }),
    ...(offending.has(operation.id) ? { offending: true } : {}),
  }));
}

/**
 * The operations the linearizability checker names: each of its violations names the few
 * whose outcomes cannot all hold (check/linearizability/pancydb-violation.ts). The other
 * checkers name replicas and sequence numbers, not operations, so their violations mark none.
 */
function offendingOperations(run: SeedRun): ReadonlySet<number> {
  return new Set(run.violations.flatMap((violation) => violation.operations ?? []));
}
