// Workloads against a naive in-test reference store, with simulated time and a
// scheduler that runs each client's operations in order of their due times.
// The lockseq runs check the store after every completed operation; a mutant
// store that ignores the lock shows the checker can fail.
import { describe, expect, it } from 'vitest';
import { checkLockseqDatabase, type LockseqRead } from '../../src/check/lockseq.ts';
import type { Operation, OperationResult, WriteResult } from '../../src/core/operations.ts';
import { createRng, type Rng } from '../../src/sim/rng.ts';
import { createLockseqCounters, createLockseqWorkload, type LockseqCounters } from '../../src/sim/workload/lockseq.ts';
import { createRandomWorkload, parseOperationMix, type OperationMix } from '../../src/sim/workload/random.ts';
import type { ClientWorkload } from '../../src/sim/workload/workload.ts';

// ---------------------------------------------------------------------------
// Reference store: a Map, one global version counter, no cleverness.

interface ReferenceStore {
  execute(operation: Operation): OperationResult;
  read: LockseqRead;
  keys(): string[];
}

/**
 * Mutants: `ignoreLock`, a cas that always succeeds whatever the current value;
 * `losePutEvery`, every n-th put acknowledged as ok but not applied.
 */
interface StoreMutation {
  readonly ignoreLock?: boolean;
  readonly losePutEvery?: number;
}

function createReferenceStore(mutation: StoreMutation = {}): ReferenceStore {
  const entries = new Map<string, { value: string; version: number }>();
  let nextVersion = 1;
  let puts = 0;
  const versionOk = (versionMatch: number | undefined, version: number): boolean =>
    versionMatch === undefined || versionMatch === -1 || versionMatch === version;
  const write = (key: string, value: string): WriteResult => {
    const previousVersion = entries.get(key)?.version ?? 0;
    const version = nextVersion++;
    entries.set(key, { value, version });
    return { status: 'ok', actual: '', previousVersion, version };
  };
  const noMatch = (key: string): WriteResult => {
    const current = entries.get(key);
    return { status: 'no_match', actual: current?.value ?? '', previousVersion: 0, version: current?.version ?? 0 };
  };
  return {
    execute(operation) {
      const current = entries.get(operation.key);
      switch (operation.type) {
        case 'get':
          return { status: 'ok', value: current?.value ?? '', version: current?.version ?? 0 };
        case 'put':
          if (!versionOk(operation.versionMatch, current?.version ?? 0)) return noMatch(operation.key);
          puts += 1;
          if (mutation.losePutEvery !== undefined && puts % mutation.losePutEvery === 0) {
            return { status: 'ok', actual: '', previousVersion: current?.version ?? 0, version: nextVersion++ };
          }
          return write(operation.key, operation.value);
        case 'cas':
          if (!mutation.ignoreLock && (current?.value ?? '') !== operation.expected) return noMatch(operation.key);
          if (!versionOk(operation.versionMatch, current?.version ?? 0)) return noMatch(operation.key);
          return write(operation.key, operation.desired);
        case 'remove':
          if (current === undefined) return { status: 'not_found', actual: '', previousVersion: 0, version: 0 };
          if (!versionOk(operation.versionMatch, current.version)) return noMatch(operation.key);
          entries.delete(operation.key);
          nextVersion++;
          return { status: 'ok', actual: '', previousVersion: current.version, version: 0 };
      }
    },
    read: (key) => entries.get(key),
    keys: () => [...entries.keys()].sort(),
  };
}

// ---------------------------------------------------------------------------
// Scheduler: each client has at most one operation outstanding; the one due
// first (ties by client id) executes next, atomically, and completes at once.

interface Completion {
  readonly client: number;
  readonly submitMs: number;
  readonly completeMs: number;
  readonly operation: Operation;
  readonly result: OperationResult;
}

interface Pending {
  readonly submitMs: number;
  readonly dueMs: number;
  readonly operation: Operation;
}

const LATENCY_MIN_MS = 1;
const LATENCY_MAX_MS = 30;

/** Runs until every client stopped, or `onCompleted` returns 'halt'. Returns the completion count. */
function runClients(
  workloads: readonly ClientWorkload[],
  store: ReferenceStore,
  latencyRng: Rng,
  onCompleted: (completion: Completion) => 'continue' | 'halt',
): number {
  const pending: (Pending | undefined)[] = [];
  const schedule = (client: number, nowMs: number, step: ReturnType<ClientWorkload['start']>): void => {
    if (step.kind === 'stop') {
      pending[client] = undefined;
      return;
    }
    const submitMs = nowMs + step.afterMs;
    pending[client] = { submitMs, dueMs: submitMs + latencyRng.int(LATENCY_MIN_MS, LATENCY_MAX_MS), operation: step.operation };
  };
  workloads.forEach((workload, client) => schedule(client, 0, workload.start(0)));
  let completed = 0;
  for (;;) {
    let next: number | undefined;
    pending.forEach((entry, client) => {
      const best = next === undefined ? undefined : pending[next];
      if (entry !== undefined && (best === undefined || entry.dueMs < best.dueMs)) next = client;
    });
    if (next === undefined) return completed;
    const { submitMs, dueMs, operation } = pending[next]!;
    const result = store.execute(operation);
    completed += 1;
    if (onCompleted({ client: next, submitMs, completeMs: dueMs, operation, result }) === 'halt') return completed;
    const workload = workloads[next]!;
    schedule(next, dueMs, workload.onResult(dueMs, result));
  }
}

// ---------------------------------------------------------------------------
// Lockseq

interface LockseqRun {
  readonly counters: LockseqCounters;
  readonly store: ReferenceStore;
  readonly completed: number;
  /** First failed check, if any: when, and what the checker said. */
  readonly violation: { readonly atMs: number; readonly descriptions: string[] } | undefined;
  /** Checker reads that found a key: shows the checker and workload agree on key names. */
  readonly keysSeenByChecker: number;
  /** Submit times of each sequence's first lock attempt. */
  readonly sequenceStartsMs: number[];
}

const LOCKSEQ = { clients: 4, groups: 2, maxSequenceLength: 6, durationMs: 180_000 } as const;

function runLockseq(seed: number, mutation: StoreMutation = {}): LockseqRun {
  const rng = createRng(seed);
  const counters = createLockseqCounters();
  const store = createReferenceStore(mutation);
  const workloads = Array.from({ length: LOCKSEQ.clients }, (_, clientId) =>
    createLockseqWorkload({ clientId, rng: rng.fork(`client-${clientId}`), durationMs: LOCKSEQ.durationMs, maxSequenceLength: LOCKSEQ.maxSequenceLength, groups: LOCKSEQ.groups, counters }),
  );
  let keysSeenByChecker = 0;
  const countingRead: LockseqRead = (key) => {
    const entry = store.read(key);
    if (entry !== undefined) keysSeenByChecker += 1;
    return entry;
  };
  let violation: LockseqRun['violation'];
  const sequenceStartsMs: number[] = [];
  const inSequence = new Set<number>();
  const completed = runClients(workloads, store, rng.fork('latency'), (completion) => {
    const { client, operation } = completion;
    if (operation.type === 'cas' && !inSequence.has(client)) sequenceStartsMs.push(completion.submitMs);
    if (operation.type === 'cas') inSequence.add(client);
    if (operation.type === 'remove' && operation.key.endsWith('/lock')) inSequence.delete(client);
    const descriptions = checkLockseqDatabase(countingRead, { groups: LOCKSEQ.groups, maxSequenceLength: LOCKSEQ.maxSequenceLength });
    if (descriptions.length === 0) return 'continue';
    violation = { atMs: completion.completeMs, descriptions };
    return 'halt';
  });
  return { counters, store, completed, violation, keysSeenByChecker, sequenceStartsMs };
}

describe('lockseq workload against the reference store: 4 clients, 2 groups, 3 simulated minutes', () => {
  const seed = 1;
  const run = runLockseq(seed);
  const replay = `reproduce with runLockseq(${seed})`;

  it('keeps every group in a shape the checker accepts after every completed operation', () => {
    expect(run.violation, replay).toBeUndefined();
    expect(run.keysSeenByChecker, 'the checker must see the keys the workload writes').toBeGreaterThan(0);
  });

  it('advances all four phases, retries contended locks, and reports no anomaly', () => {
    const { lock, write, clear, unlock, anomalies } = run.counters;
    expect(anomalies, replay).toEqual([]);
    expect(unlock).toBeGreaterThan(300);
    expect(write).toBeGreaterThanOrEqual(unlock);
    expect(clear).toBeGreaterThanOrEqual(unlock);
    expect(lock, 'some lock attempts must have been retried').toBeGreaterThan(unlock);
    expect(lock + write + clear + unlock).toBe(run.completed);
  });

  it('starts no sequence at or after durationMs, finishes the started ones, and leaves every group unlocked', () => {
    expect(Math.max(...run.sequenceStartsMs)).toBeLessThan(LOCKSEQ.durationMs);
    expect(run.sequenceStartsMs.length).toBe(run.counters.unlock);
    expect(run.store.keys().filter((key) => key.endsWith('/lock'))).toEqual([]);
  });

  it('is deterministic for a seed', () => {
    const again = runLockseq(seed);
    expect(again.counters).toEqual(run.counters);
    expect(again.store.keys()).toEqual(run.store.keys());
  });
});

describe('lockseq workload: mutant stores are caught by the checker', () => {
  // Seed 1 is the seed of the passing run above: same clients, only the store differs.
  // (Seeds 1..10 all fail within 5 simulated seconds when the lock is ignored.)
  it('cas ignores the lock: two holders interleave their writes (seed 1)', () => {
    const run = runLockseq(1, { ignoreLock: true });
    expect(run.violation, 'reproduce with runLockseq(1, { ignoreLock: true })').toBeDefined();
    expect(run.violation?.descriptions[0]).toMatch(/^g[01]\b.*g[01]\/v\d{3}/);
  });

  it('every 50th put acknowledged but lost: a gap appears in a run (seed 1)', () => {
    const run = runLockseq(1, { losePutEvery: 50 });
    expect(run.counters.anomalies, 'the client cannot see a lost write').toEqual([]);
    expect(run.violation, 'reproduce with runLockseq(1, { losePutEvery: 50 })').toBeDefined();
    expect(run.violation?.descriptions[0]).toMatch(/^g[01]\b.*g[01]\/v\d{3}/);
  });
});

describe('lockseq workload: inputs', () => {
  it('rejects maxSequenceLength outside 1..999, naming it', () => {
    const base = { clientId: 0, rng: createRng(0), durationMs: 1000, counters: createLockseqCounters() };
    expect(() => createLockseqWorkload({ ...base, maxSequenceLength: 0 })).toThrow(/maxSequenceLength/);
    expect(() => createLockseqWorkload({ ...base, maxSequenceLength: 1000 })).toThrow(/maxSequenceLength/);
  });

  it('first step: a lock CAS on g<g>/lock from "" to "c<cid> <7 hex digits>" after about a second', () => {
    const workload = createLockseqWorkload({ clientId: 7, rng: createRng(3), durationMs: 60_000, maxSequenceLength: 5, counters: createLockseqCounters() });
    const step = workload.start(0);
    expect(step.kind).toBe('submit');
    if (step.kind !== 'submit') return;
    expect(step.afterMs).toBeGreaterThan(500);
    expect(step.afterMs).toBeLessThan(1500);
    expect(step.operation).toMatchObject({ type: 'cas', expected: '' });
    expect(step.operation.key).toMatch(/^g\d{1,2}\/lock$/);
    if (step.operation.type === 'cas') expect(step.operation.desired).toMatch(/^c7 [0-9a-f]{7}$/);
  });
});

describe('lockseq workload: one client, step by step', () => {
  const ok = (version: number): WriteResult => ({ status: 'ok', actual: '', previousVersion: 0, version });
  const noMatch = (actual: string, version: number): WriteResult => ({ status: 'no_match', actual, previousVersion: 0, version });
  const notFound: WriteResult = { status: 'not_found', actual: '', previousVersion: 0, version: 0 };

  function submitted(step: ReturnType<ClientWorkload['start']>): { afterMs: number; operation: Operation } {
    if (step.kind !== 'submit') throw new Error(`expected a submit step, got ${JSON.stringify(step)}`);
    return step;
  }

  it('retries a held lock, takes it from its own earlier CAS, writes, clears and unlocks with that version', () => {
    const counters = createLockseqCounters();
    const workload = createLockseqWorkload({ clientId: 2, rng: createRng(5), durationMs: 60_000, maxSequenceLength: 3, counters });
    const lock = submitted(workload.start(0)).operation;
    if (lock.type !== 'cas') throw new Error('expected the lock CAS first');
    const group = lock.key.slice(0, lock.key.indexOf('/'));

    const retry = submitted(workload.onResult(1000, noMatch('c9 0000000', 40)));
    expect(retry.operation).toEqual(lock);
    expect(retry.afterMs).toBeGreaterThanOrEqual(50);
    expect(retry.afterMs).toBeLessThanOrEqual(200);

    // Our earlier attempt won after all: the no_match shows our own value at version 77.
    let step = submitted(workload.onResult(1200, noMatch(lock.desired, 77)));
    const puts: string[] = [];
    while (step.operation.type === 'put') {
      expect(step.operation.value).toBe(lock.desired);
      puts.push(step.operation.key);
      step = submitted(workload.onResult(1300, ok(100 + puts.length)));
    }
    expect(puts.length).toBeGreaterThanOrEqual(1);
    expect(puts).toEqual(puts.map((_, index) => `${group}/v${String(index).padStart(3, '0')}`));

    // Clearing removes from v<m> until the first not_found.
    expect(step.operation).toEqual({ type: 'remove', key: `${group}/v${String(puts.length).padStart(3, '0')}` });
    step = submitted(workload.onResult(1400, ok(0)));
    expect(step.operation).toEqual({ type: 'remove', key: `${group}/v${String(puts.length + 1).padStart(3, '0')}` });
    step = submitted(workload.onResult(1500, notFound));
    expect(step.operation).toEqual({ type: 'remove', key: lock.key, versionMatch: 77 });

    const next = workload.onResult(1600, ok(0));
    expect(next.kind).toBe('submit');
    expect(counters).toEqual({ lock: 2, write: puts.length, clear: 2, unlock: 1, anomalies: [] });
  });

  it('records results a correct store cannot give as anomalies, and keeps going', () => {
    const counters = createLockseqCounters();
    const workload = createLockseqWorkload({ clientId: 4, rng: createRng(6), durationMs: 60_000, maxSequenceLength: 1, counters });
    const lock = submitted(workload.start(0)).operation;
    // An unconditional CAS from "" failing while the lock reads "" is a store bug.
    expect(submitted(workload.onResult(1000, noMatch('', 3))).operation).toEqual(lock);
    expect(submitted(workload.onResult(1100, ok(5))).operation.type).toBe('put');
    expect(submitted(workload.onResult(1200, noMatch('x', 6))).operation.type).toBe('remove');
    expect(submitted(workload.onResult(1300, notFound)).operation).toMatchObject({ key: lock.key, versionMatch: 5 });
    workload.onResult(1400, noMatch('c1 0000000', 9));
    expect(counters.anomalies).toHaveLength(3);
    expect(counters.anomalies[0]).toMatch(/^client 4 at 1000 ms: cas g\d+\/lock returned no_match/);
    expect(counters.anomalies[1]).toMatch(/put g\d+\/v000 returned no_match/);
    expect(counters.anomalies[2]).toMatch(/unlock/);
  });

  it('starts no sequence that would begin at or after durationMs', () => {
    const workload = createLockseqWorkload({ clientId: 0, rng: createRng(1), durationMs: 500, maxSequenceLength: 3, counters: createLockseqCounters() });
    expect(workload.start(0)).toEqual({ kind: 'stop' });
    expect(() => workload.onResult(600, ok(1))).toThrow(/no operation outstanding/);
  });
});

// ---------------------------------------------------------------------------
// Random workload

const MIX: OperationMix = { get: 2, put: 1, cas: 1, remove: 1 };

function runRandom(seed: number, mix: OperationMix = MIX, durationMs = 5_000): Completion[] {
  const rng = createRng(seed);
  const workloads = Array.from({ length: 3 }, (_, clientId) =>
    createRandomWorkload({ clientId, rng: rng.fork(`client-${clientId}`), durationMs, mix, versionMatchChance: 0.3 }),
  );
  const completions: Completion[] = [];
  runClients(workloads, createReferenceStore(), rng.fork('latency'), (completion) => {
    completions.push(completion);
    return 'continue';
  });
  return completions;
}

describe('random workload: 3 clients, 4 keys, mix get=2,put=1,cas=1,remove=1', () => {
  const completions = runRandom(11);
  const operations = completions.map((completion) => completion.operation);

  it('produces the same operation sequence for the same seed, and another for another seed', () => {
    expect(runRandom(11)).toEqual(completions);
    expect(runRandom(12).map((completion) => completion.operation)).not.toEqual(operations);
  });

  it('submits nothing at or after durationMs, and stops', () => {
    expect(completions.length).toBeGreaterThan(100);
    expect(Math.max(...completions.map((completion) => completion.submitMs))).toBeLessThan(5_000);
  });

  it('uses every operation type over keys k0..k3, with and without versionMatch', () => {
    expect(new Set(operations.map((operation) => operation.type))).toEqual(new Set(['get', 'put', 'cas', 'remove']));
    expect(new Set(operations.map((operation) => operation.key))).toEqual(new Set(['k0', 'k1', 'k2', 'k3']));
    const conditional = operations.filter((operation) => 'versionMatch' in operation);
    expect(conditional.length).toBeGreaterThan(0);
    expect(conditional.length).toBeLessThan(operations.length / 2);
  });

  it('draws cas expectations from "" and values it has seen, so some CASes succeed and some fail', () => {
    const cases = completions.filter((completion) => completion.operation.type === 'cas');
    const expectations = new Set(cases.map((completion) => (completion.operation.type === 'cas' ? completion.operation.expected : '?')));
    expect(expectations.has('')).toBe(true);
    expect(expectations.size).toBeGreaterThan(1);
    const statuses = new Set(cases.map((completion) => completion.result.status));
    expect(statuses).toEqual(new Set(['ok', 'no_match']));
  });

  it('follows the mix: weight 0 operations never appear', () => {
    const onlyGets = runRandom(11, { get: 1, put: 0, cas: 0, remove: 0 }, 1_000);
    expect(onlyGets.length).toBeGreaterThan(0);
    expect(onlyGets.every((completion) => completion.operation.type === 'get')).toBe(true);
  });
});

describe('parseOperationMix', () => {
  it.each([
    ['get=2,put=1,cas=1,remove=1', { get: 2, put: 1, cas: 1, remove: 1 }],
    [' get = 3 , cas=0.5 ', { get: 3, put: 0, cas: 0.5, remove: 0 }],
    ['remove=1', { get: 0, put: 0, cas: 0, remove: 1 }],
  ])('accepts %j', (text, expected) => {
    expect(parseOperationMix(text)).toEqual(expected);
  });

  it.each([
    ['get=x,put=1', /get/],
    ['get=1,put=-1', /put/],
    ['get=1,fetch=1', /fetch/],
    ['get=1,put', /put/],
    ['get=1,get=2', /get/],
    ['get=1,cas=1=2', /cas=1=2/],
    ['get=0,put=0', /positive/],
    ['', /""/],
  ])('rejects %j, naming the bad part', (text, message) => {
    expect(() => parseOperationMix(text)).toThrow(message);
  });
});
