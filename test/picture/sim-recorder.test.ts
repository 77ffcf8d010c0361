// The run record of a simulated run (src/picture/sim-recorder.ts): it must agree with the
// simulator's own counters, name every lane, show the views and faults, mark the operations
// the linearizability checker names, and leave the run itself exactly as it was.
import { describe, expect, it } from 'vitest';
import type { MessageRecord, RunRecord } from '../../src/picture/record.ts';
import { completeRecord } from '../../src/picture/sim-record-finish.ts';
import { recordSeed, SimRecorder } from '../../src/picture/sim-recorder.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import { runSeed, type RunOptions, type SeedReport } from '../../src/sim/run.ts';
import { pictureRunOptions, recordedRun } from './sim-runs.ts';

const NETWORK_FATES = new Set(['loss', 'partition', 'crashed', 'silent']);

/** What the simulator counts (SeedReport.messages), counted again from the record. */
function counted(messages: readonly MessageRecord[]): SeedReport['messages'] {
  return {
    sent: messages.filter((message) => message.duplicate !== true).length,
    delivered: messages.filter((message) => message.receivedMs !== undefined).length,
    lost: messages.filter((message) => message.lost !== undefined && NETWORK_FATES.has(message.lost)).length,
  };
}

/** equivocate.json (a Byzantine primary, loss, jitter and duplicates), 2 s, with a crash and restart of replica 2 and a partition, while clients work (from about 0.9 s). */
async function faultyRunOptions(): Promise<RunOptions> {
  const options = scenarioRunOptions(await loadScenario('adversaries/scenarios/equivocate.json'), 3);
  const network = {
    ...options.network,
    duplicate: 0.05,
    crashes: [{ replica: 2, atMs: 1_000, restartAtMs: 1_300 }],
    partitions: [{ fromMs: 1_400, untilMs: 1_600, groups: [[0, 1, 2], [3]] }],
  };
  return { ...safetyOnly(options), durationMs: 2_000, workloadDurationMs: 1_500, network };
}

/** The scenario's liveness bound is for its full length; these runs are cut short. */
function safetyOnly(options: RunOptions): RunOptions {
  const { liveness, ...rest } = options;
  return liveness === undefined ? options : rest;
}

let faulty: { options: RunOptions; record: RunRecord; report: SeedReport } | undefined;
async function faultyRun(): Promise<NonNullable<typeof faulty>> {
  if (faulty === undefined) {
    const options = await faultyRunOptions();
    const { run, record } = recordSeed(options, { replay: 'test' });
    faulty = { options, record, report: run.report };
  }
  return faulty;
}

describe('the record agrees with the simulator', () => {
  it('fault-free run: messages sent, delivered and lost are the SeedReport counts', () => {
    const { run, record } = recordedRun('fault-free');
    expect(run.report.violations).toEqual([]);
    expect(counted(record.messages)).toEqual(run.report.messages);
    expect(record.verdict).toEqual({ ok: true, linearizability: 'linearizable', violations: [] });
  });

  it('loss, duplicates, a crash, a partition and a Byzantine primary: the counts still match', async () => {
    const { record, report } = await faultyRun();
    expect(counted(record.messages)).toEqual(report.messages);
    const fates = new Set(record.messages.map((message) => message.lost));
    // A crashed replica takes no steps, so it sends nothing ('crashed' is the network's word for a send it could still make).
    for (const fate of ['loss', 'partition', 'receiver-crashed']) expect(fates, fate).toContain(fate);
    expect(record.messages.some((message) => message.duplicate === true)).toBe(true);
  });

  it('lanes: n replicas then every client, the faulty ones named with their adversary', async () => {
    const { record, options } = await faultyRun();
    expect(record.lanes.map((lane) => lane.id)).toEqual(['r0', 'r1', 'r2', 'r3', ...Array.from({ length: options.workload.clients }, (_, id) => `c${id}`)]);
    expect(record.lanes[0]!.faulty).toEqual({ adversary: 'equivocate' });
    expect(record.lanes.slice(1).every((lane) => lane.faulty === undefined)).toBe(true);
    expect(record.messages.filter((message) => message.faulty === true).every((message) => message.from === 'r0')).toBe(true);
    expect(record.messages.some((message) => message.from === 'r0' && message.faulty === true)).toBe(true);
  });

  it('what the adversary did, the crash, the restart and the partition are lane events, in time order', async () => {
    const { record } = await faultyRun();
    const kinds = (lane: string) => new Set(record.events.filter((event) => event.lane === lane).map((event) => event.kind));
    expect(kinds('r0')).toContain('adversary');
    expect(record.events.find((event) => event.kind === 'crash')).toMatchObject({ lane: 'r2', atMs: 1_000, untilMs: 1_300 });
    expect(record.events.find((event) => event.kind === 'restart')).toMatchObject({ lane: 'r2', atMs: 1_300 });
    expect(record.events.filter((event) => event.kind === 'partition').map((event) => event.lane)).toEqual(['r0', 'r1', 'r2', 'r3']);
    const times = record.events.map((event) => event.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("drops: a frame's receiver's reason, of the kinds the simulator counted, never more of a kind than it counted", () => {
    const { run, record } = recordedRun('view-change');
    const byReason = new Map<string, number>();
    for (const message of record.messages) if (message.dropped !== undefined) byReason.set(message.dropped, (byReason.get(message.dropped) ?? 0) + 1);
    expect(byReason.size).toBeGreaterThan(0);
    for (const [reason, count] of byReason) expect(count, reason).toBeLessThanOrEqual(run.report.drops[reason] ?? run.report.drops[`client:${reason}`] ?? 0);
    expect(record.messages.filter((message) => message.dropped !== undefined).every((message) => message.receivedMs !== undefined)).toBe(true);
  });

  it('Byzantine clients are faulty client lanes after the correct ones', async () => {
    const scenario = scenarioRunOptions(await loadScenario('adversaries/scenarios/byzantine-clients.json'), 1);
    const { record } = recordSeed({ ...safetyOnly(scenario), durationMs: 1_000, workloadDurationMs: 800 }, { replay: 'test' });
    const byzantine = record.lanes.filter((lane) => lane.kind === 'client' && lane.faulty !== undefined);
    expect(byzantine.length).toBe(scenario.byzantineClients!.count);
    expect(byzantine[0]!.index).toBe(scenario.workload.clients);
    expect(byzantine[0]!.faulty!.adversary).toContain(scenario.byzantineClients!.kinds[0]!);
    expect(record.messages.some((message) => message.from === byzantine[0]!.id && message.faulty === true)).toBe(true);
  });
});

describe('views, operations and the verdict', () => {
  it("the demo's view change: view 1's band, primary r1, entered by every replica, r1 first; r0 silent from 3 s", () => {
    const { record } = recordedRun('view-change');
    expect(record.views.map((band) => band.view)).toEqual([0, 1]);
    expect(record.views[0]!.entered).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0 });
    const band = record.views[1]!;
    expect(band.primary).toBe(1);
    expect(Object.keys(band.entered).sort()).toEqual(['0', '1', '2', '3']);
    expect(Math.min(...Object.values(band.entered))).toBe(band.entered['1']);
    const firstChange = record.events.find((event) => event.kind === 'start-view-change')!;
    expect(firstChange.atMs).toBeLessThanOrEqual(band.entered['1']!);
    expect(record.events.find((event) => event.kind === 'silent')).toMatchObject({ lane: 'r0', atMs: 3_000 });
    expect(record.events.find((event) => event.kind === 'silent')!.untilMs).toBeUndefined();
    expect(record.messages.filter((message) => message.lost === 'silent').every((message) => message.from === 'r0' && message.sentMs >= 3_000)).toBe(true);
    expect(record.messages.some((message) => message.lost === 'silent')).toBe(true);
  });

  it('operations: every call of the history, with its text and, once returned, its result', () => {
    const { run, record } = recordedRun('fault-free');
    expect(record.operations.length).toBe(run.context.history.operations.length);
    expect(record.operations.filter((operation) => operation.returnMs !== undefined).length).toBe(run.report.committed);
    const first = record.operations[0]!;
    expect(first.operation).toMatch(/^(get|put|cas|remove) /);
    expect(first.result).toMatch(/^(ok|no_match|not_found)/);
    expect(record.operations.some((operation) => operation.offending === true)).toBe(false);
  });

  it('a violation: not linearizable, and the operations the checker names are the offending ones', () => {
    const { run, record } = recordedRun('violation');
    expect(record.verdict.ok).toBe(false);
    expect(record.verdict.linearizability).toBe('not-linearizable');
    const named = new Set<number>();
    for (const violation of record.verdict.violations.filter((violation) => violation.property === 'linearizability')) {
      for (const match of violation.detail.matchAll(/#(\d+) c\d+ /g)) named.add(Number(match[1]));
    }
    expect(named.size).toBeGreaterThan(0);
    const offending = record.operations.flatMap((operation, index) => (operation.offending === true ? [index] : []));
    expect(offending).toEqual([...named].sort((a, b) => a - b));
    expect(record.verdict.violations.every((violation) => typeof violation.atMs === 'number')).toBe(true);
    expect(run.report.violations.length).toBe(record.verdict.violations.length);
  });
});

describe('a bounded recorder', () => {
  it('keeps at most its bound of messages and events, and the record says what it left out', () => {
    const options = pictureRunOptions('fault-free');
    const recorder = new SimRecorder(new Set(), options.workload.clients, { messages: 500, events: 40 });
    const run = runSeed({ ...options, recorder });
    const record = completeRecord(recorder, options, run, { replay: 'test', title: 'bounded' });
    expect(record.messages.length).toBeLessThanOrEqual(500);
    expect(record.messages.length).toBeGreaterThan(490);
    expect(record.events.length).toBe(40);
    const unbounded = recordedRun('fault-free').record;
    expect(record.truncated).toEqual({
      atMs: Math.min(unbounded.messages[record.messages.length]!.sentMs, unbounded.events[40]!.atMs),
      messages: unbounded.messages.length - record.messages.length,
      events: unbounded.events.length - 40,
    });
    expect(unbounded.truncated).toBeUndefined();
  });
});

describe('recording changes nothing', () => {
  it('the same seed gives the same report with and without a recorder, and the same record twice', async () => {
    const options = await faultyRunOptions();
    const plain = runSeed(options).report;
    const first = recordSeed(options, { replay: 'test' });
    const second = recordSeed(options, { replay: 'test' });
    expect(JSON.stringify(first.run.report)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(second.record)).toBe(JSON.stringify(first.record));
  });

  it('recordSeed refuses options that bring a recorder of their own', () => {
    const { run } = recordedRun('fault-free');
    expect(() => recordSeed({ ...run.context.options, recorder: {} as never }, { replay: 'test' })).toThrow(/recorder/);
  });
});
