// The lockseq client model of the original Pancydb: clients take a per-group lock
// with a compare-and-swap, rewrite a sequence of keys under it, and release it with
// a version-matched remove. If the store executes operations linearizably, every
// group is always in a shape `src/check/lockseq.ts` accepts; a store (or a
// replication layer) that loses, reorders or duplicates writes breaks the shape.
//
// One sequence, for group g, value V (unique per sequence) and length m:
//   sleep   normal(1000 ms, 100 ms), rounded to whole ms (so simulated times
//           stay integers) and clamped at 0
//   lock    cas(g<g>/lock, "" -> V), retried after uniform 50-200 ms while another
//           client holds the lock
//   write   put g<g>/v000 .. g<g>/v<m-1> := V, one after another
//   clear   remove g<g>/v<m>, g<g>/v<m+1>, ... until the first not_found
//   unlock  remove g<g>/lock with versionMatch = the lock's version
// Results that a correct store cannot produce are recorded in `counters.anomalies`
// and the client carries on, so one run reports every anomaly it meets.
import { isWriteResult, type Operation, type WriteResult } from '../../core/operations.ts';
import type { Rng } from '../rng.ts';
import type { ClientWorkload, WorkloadStep } from './workload.ts';

/** Shared by all clients of one run; the driver reads it at the end. */
export interface LockseqCounters {
  /** Completed lock CAS operations, retries included. */
  lock: number;
  /** Completed value puts. */
  write: number;
  /** Completed clearing removes, the final not_found included. */
  clear: number;
  /** Completed unlock removes. */
  unlock: number;
  /** Results a correct store cannot produce, one description each. */
  readonly anomalies: string[];
}

export interface LockseqWorkloadOptions {
  readonly clientId: number;
  readonly rng: Rng;
  /** No new sequence starts at or after this simulated time. */
  readonly durationMs: number;
  /** Each sequence writes 1..maxSequenceLength keys; at most 999 (three-digit key index). */
  readonly maxSequenceLength: number;
  /** Number of lock groups, default 100. Fewer groups means more lock contention. */
  readonly groups?: number;
  readonly counters: LockseqCounters;
}

export const LOCKSEQ_DEFAULT_GROUPS = 100;
/** Key indices are written with three digits, so v999 is the last nameable key. */
export const LOCKSEQ_MAX_KEY_INDEX = 999;
const SLEEP_MEAN_MS = 1000;
const SLEEP_STANDARD_DEVIATION_MS = 100;
const LOCK_RETRY_MIN_MS = 50;
const LOCK_RETRY_MAX_MS = 200;

/** @example const counters = createLockseqCounters(); // { lock: 0, write: 0, clear: 0, unlock: 0, anomalies: [] } */
export function createLockseqCounters(): LockseqCounters {
  return { lock: 0, write: 0, clear: 0, unlock: 0, anomalies: [] };
}

/** @example lockseqLockKey(7) // "g7/lock" */
export function lockseqLockKey(group: number): string {
  return `g${group}/lock`;
}

/** @example lockseqValueKey(7, 3) // "g7/v003" */
export function lockseqValueKey(group: number, index: number): string {
  return `g${group}/v${String(index).padStart(3, '0')}`;
}

interface Sequence {
  readonly group: number;
  /** `c<clientId> <7 hex digits>`: identifies this sequence's lock and writes. */
  readonly value: string;
  readonly length: number;
}

type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'lock'; readonly sequence: Sequence }
  | { readonly name: 'write'; readonly sequence: Sequence; readonly lockVersion: number; readonly index: number }
  | { readonly name: 'clear'; readonly sequence: Sequence; readonly lockVersion: number; readonly index: number }
  | { readonly name: 'unlock'; readonly sequence: Sequence }
  | { readonly name: 'stopped' };

/**
 * @example
 * const counters = createLockseqCounters();
 * const workload = createLockseqWorkload({ clientId: 1, rng: createRng(42).fork('client-1'), durationMs: 60_000, maxSequenceLength: 10, counters });
 * workload.start(0); // { kind: 'submit', afterMs: ~1000, operation: { type: 'cas', key: 'g17/lock', expected: '', desired: 'c1 3fa09b2' } }
 */
export function createLockseqWorkload(options: LockseqWorkloadOptions): ClientWorkload {
  const groups = options.groups ?? LOCKSEQ_DEFAULT_GROUPS;
  validateOptions(options, groups);
  const { clientId, rng, durationMs, maxSequenceLength, counters } = options;
  let phase: Phase = { name: 'idle' };

  const anomaly = (nowMs: number, operation: string, result: WriteResult, expectation: string): void => {
    counters.anomalies.push(
      `client ${clientId} at ${nowMs} ms: ${operation} returned ${describeResult(result)}, expected ${expectation}`,
    );
  };

  /** Sleep, then start a new sequence with its lock CAS, unless that start would be past durationMs. */
  const sleepBoundary = (nowMs: number): WorkloadStep => {
    const sleepMs = Math.max(0, Math.round(rng.normal(SLEEP_MEAN_MS, SLEEP_STANDARD_DEVIATION_MS)));
    if (nowMs + sleepMs >= durationMs) {
      phase = { name: 'stopped' };
      return { kind: 'stop' };
    }
    const sequence: Sequence = {
      group: rng.int(0, groups - 1),
      value: `c${clientId} ${rng.int(0, 0xfffffff).toString(16).padStart(7, '0')}`,
      length: rng.int(1, maxSequenceLength),
    };
    phase = { name: 'lock', sequence };
    return submit(sleepMs, lockOperation(sequence));
  };

  const onLockResult = (nowMs: number, sequence: Sequence, result: WriteResult): WorkloadStep => {
    counters.lock += 1;
    // A no_match showing our own value means an earlier attempt of ours took the lock
    // (values are unique per sequence); its version is then the lock's version.
    if (result.status === 'ok' || (result.status === 'no_match' && result.actual === sequence.value)) {
      return startWrite(sequence, result.version);
    }
    // An unconditional CAS from "" can only fail if someone else holds the lock.
    if (result.status !== 'no_match' || result.actual === '') {
      anomaly(nowMs, `cas ${lockseqLockKey(sequence.group)}`, result, 'ok, or no_match with a holder');
    }
    return submit(rng.int(LOCK_RETRY_MIN_MS, LOCK_RETRY_MAX_MS), lockOperation(sequence));
  };

  const startWrite = (sequence: Sequence, lockVersion: number): WorkloadStep => {
    phase = { name: 'write', sequence, lockVersion, index: 0 };
    return submit(0, { type: 'put', key: lockseqValueKey(sequence.group, 0), value: sequence.value });
  };

  const onWriteResult = (nowMs: number, current: Extract<Phase, { name: 'write' }>, result: WriteResult): WorkloadStep => {
    counters.write += 1;
    const { sequence, lockVersion, index } = current;
    const key = lockseqValueKey(sequence.group, index);
    if (result.status !== 'ok') anomaly(nowMs, `put ${key}`, result, 'ok');
    if (index + 1 < sequence.length) {
      phase = { ...current, index: index + 1 };
      return submit(0, { type: 'put', key: lockseqValueKey(sequence.group, index + 1), value: sequence.value });
    }
    return startClear(sequence, lockVersion, sequence.length);
  };

  const startClear = (sequence: Sequence, lockVersion: number, index: number): WorkloadStep => {
    phase = { name: 'clear', sequence, lockVersion, index };
    return submit(0, { type: 'remove', key: lockseqValueKey(sequence.group, index) });
  };

  const onClearResult = (nowMs: number, current: Extract<Phase, { name: 'clear' }>, result: WriteResult): WorkloadStep => {
    counters.clear += 1;
    const { sequence, lockVersion, index } = current;
    const key = lockseqValueKey(sequence.group, index);
    if (result.status === 'not_found') return startUnlock(sequence, lockVersion);
    if (result.status !== 'ok') anomaly(nowMs, `remove ${key}`, result, 'ok or not_found');
    if (index >= LOCKSEQ_MAX_KEY_INDEX) {
      // The next key would need four digits, which no client ever writes: stop
      // clearing rather than loop forever against a store that never says not_found.
      counters.anomalies.push(`client ${clientId} at ${nowMs} ms: clearing reached ${key} without a not_found`);
      return startUnlock(sequence, lockVersion);
    }
    return startClear(sequence, lockVersion, index + 1);
  };

  const startUnlock = (sequence: Sequence, lockVersion: number): WorkloadStep => {
    phase = { name: 'unlock', sequence };
    return submit(0, { type: 'remove', key: lockseqLockKey(sequence.group), versionMatch: lockVersion });
  };

  const onUnlockResult = (nowMs: number, sequence: Sequence, result: WriteResult): WorkloadStep => {
    counters.unlock += 1;
    if (result.status !== 'ok') anomaly(nowMs, `remove ${lockseqLockKey(sequence.group)} (unlock)`, result, 'ok');
    return sleepBoundary(nowMs);
  };

  return {
    start(nowMs) {
      assert(phase.name === 'idle', `lockseq client ${clientId}: start called twice`);
      return sleepBoundary(nowMs);
    },
    onResult(nowMs, result) {
      const current = phase;
      assert(isWriteResult(result), `lockseq client ${clientId}: a write result was expected in phase ${current.name}`);
      switch (current.name) {
        case 'lock':
          return onLockResult(nowMs, current.sequence, result);
        case 'write':
          return onWriteResult(nowMs, current, result);
        case 'clear':
          return onClearResult(nowMs, current, result);
        case 'unlock':
          return onUnlockResult(nowMs, current.sequence, result);
        case 'idle':
        case 'stopped':
          throw new Error(`lockseq client ${clientId}: onResult with no operation outstanding (phase ${current.name})`);
        default:
          return assertNever(current);
      }
    },
  };
}

function lockOperation(sequence: Sequence): Operation {
  return { type: 'cas', key: lockseqLockKey(sequence.group), expected: '', desired: sequence.value };
}

function submit(afterMs: number, operation: Operation): WorkloadStep {
  return { kind: 'submit', afterMs, operation };
}

function describeResult(result: WriteResult): string {
  return `${result.status} (actual ${JSON.stringify(result.actual)}, version ${result.version})`;
}

function validateOptions(options: LockseqWorkloadOptions, groups: number): void {
  const { clientId, durationMs, maxSequenceLength } = options;
  if (!Number.isSafeInteger(clientId) || clientId < 0) {
    throw new Error(`createLockseqWorkload: clientId must be a non-negative integer, got ${clientId}`);
  }
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new Error(`createLockseqWorkload: durationMs must be a non-negative number, got ${durationMs}`);
  }
  if (!Number.isSafeInteger(maxSequenceLength) || maxSequenceLength < 1 || maxSequenceLength > LOCKSEQ_MAX_KEY_INDEX) {
    throw new Error(
      `createLockseqWorkload: maxSequenceLength must be an integer in 1..${LOCKSEQ_MAX_KEY_INDEX}, got ${maxSequenceLength}`,
    );
  }
  if (!Number.isSafeInteger(groups) || groups < 1) {
    throw new Error(`createLockseqWorkload: groups must be a positive integer, got ${groups}`);
  }
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
