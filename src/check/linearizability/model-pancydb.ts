// Model `pancydb`: Pancydb's sequential semantics (src/core/pancydb.ts), restated
// here from its documentation rather than imported, so that a bug there is not
// copied into the checker. One database-wide counter: every successful put, cas and
// remove consumes the next version; an absent key reads as "" at version 0; failed
// operations (no_match, not_found) change nothing.
//
// No partition: the counter is state shared by every key. A put's returned version
// counts every successful write to *any* key linearized before it, so the per-key
// sub-histories are not independent objects and Herlihy & Wing's locality does not
// apply: "put a -> v1" and "put b -> v1" are each linearizable alone but not
// together. The search therefore runs over the whole history, which is affordable
// only for small histories; long runs use the version checker (pancydb-versions.ts),
// which turns the same counter into a witness of the order.
import type { Operation, OperationResult } from '../../core/operations.ts';
import { combineHashes, stringHash } from './bitset.ts';
import type { Model, StepResult } from './model.ts';

export interface PancydbModelEntry {
  readonly value: string;
  readonly version: number;
}

export interface PancydbModelState {
  readonly nextVersion: number;
  readonly entries: ReadonlyMap<string, PancydbModelEntry>;
  /** XOR of entryHash over the entries, kept up to date so hashing a state is O(1). */
  readonly entriesHash: number;
}

const ABSENT: PancydbModelEntry = { value: '', version: 0 };

export const pancydbModel: Model<PancydbModelState, Operation, OperationResult> = {
  name: 'pancydb',
  init: () => ({ nextVersion: 1, entries: new Map(), entriesHash: 0 }),
  step(state, input, output): StepResult<PancydbModelState> {
    const { result, next } = execute(state, input);
    return { ok: output === undefined || sameResult(result, output), state: next };
  },
  isReadOnly: (input) => input.type === 'get',
  hash: (state) => combineHashes(state.nextVersion, state.entriesHash),
  equal(a, b) {
    if (a.nextVersion !== b.nextVersion || a.entriesHash !== b.entriesHash || a.entries.size !== b.entries.size) return false;
    for (const [key, entry] of a.entries) {
      const other = b.entries.get(key);
      if (other === undefined || other.value !== entry.value || other.version !== entry.version) return false;
    }
    return true;
  },
  describeOperation: (input, output) => `${JSON.stringify(input)} -> ${output === undefined ? '?' : JSON.stringify(output)}`,
  describeState: (state) => JSON.stringify({ nextVersion: state.nextVersion, entries: [...state.entries].sort() }),
};

function execute(state: PancydbModelState, op: Operation): { result: OperationResult; next: PancydbModelState } {
  const current = state.entries.get(op.key) ?? ABSENT;
  const noMatch = { result: { status: 'no_match', actual: current.value, previousVersion: current.version, version: current.version }, next: state } as const;
  switch (op.type) {
    case 'get':
      return { result: { status: 'ok', value: current.value, version: current.version }, next: state };
    case 'put':
      return versionMatches(op.versionMatch, current.version) ? write(state, op.key, op.value, current) : noMatch;
    case 'cas':
      return current.value === op.expected && versionMatches(op.versionMatch, current.version) ? write(state, op.key, op.desired, current) : noMatch;
    case 'remove': {
      // Absence is reported before the version check.
      if (current === ABSENT) return { result: { status: 'not_found', actual: '', previousVersion: 0, version: 0 }, next: state };
      if (!versionMatches(op.versionMatch, current.version)) return noMatch;
      const entries = new Map(state.entries);
      entries.delete(op.key);
      const next = { nextVersion: state.nextVersion + 1, entries, entriesHash: state.entriesHash ^ entryHash(op.key, current) };
      return { result: { status: 'ok', actual: '', previousVersion: current.version, version: 0 }, next };
    }
  }
}

function write(state: PancydbModelState, key: string, value: string, current: PancydbModelEntry) {
  const entry = { value, version: state.nextVersion };
  const entries = new Map(state.entries).set(key, entry);
  const removed = current === ABSENT ? 0 : entryHash(key, current);
  const next = { nextVersion: state.nextVersion + 1, entries, entriesHash: state.entriesHash ^ removed ^ entryHash(key, entry) };
  return { result: { status: 'ok', actual: '', previousVersion: current.version, version: entry.version } as const, next };
}

/** Omitted or -1 means any version. */
function versionMatches(versionMatch: number | undefined, version: number): boolean {
  return versionMatch === undefined || versionMatch === -1 || versionMatch === version;
}

function sameResult(expected: OperationResult, actual: OperationResult): boolean {
  if (expected.status !== actual.status || expected.version !== actual.version) return false;
  if ('actual' in expected) return 'actual' in actual && expected.actual === actual.actual && expected.previousVersion === actual.previousVersion;
  return !('actual' in actual) && expected.value === actual.value;
}

function entryHash(key: string, entry: PancydbModelEntry): number {
  return combineHashes(combineHashes(stringHash(key), stringHash(entry.value)), entry.version);
}
