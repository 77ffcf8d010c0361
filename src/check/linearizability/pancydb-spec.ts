// Pancydb's semantics for one key, as the version checker needs them: the result an
// operation returns in a given key state, with the version a successful put or cas
// would take. Restated from src/core/pancydb.ts's documentation (a checker must not
// share code with what it checks), and independently of model-pancydb.ts, so that the
// property test comparing the two checkers also compares two readings of the spec.
import type { Operation, OperationResult } from '../../core/operations.ts';

export interface KeyState {
  readonly value: string;
  /** 0 when the key is absent (and then value is ""). */
  readonly version: number;
}

export const ABSENT_KEY: KeyState = { value: '', version: 0 };

/** True iff `op` in `current` is a successful put, cas or remove (consumes a version). */
export function succeeds(current: KeyState, op: Operation): boolean {
  switch (op.type) {
    case 'get':
      return false;
    case 'put':
      return anyOrEqual(op.versionMatch, current.version);
    case 'cas':
      return current.value === op.expected && anyOrEqual(op.versionMatch, current.version);
    case 'remove':
      return current.version > 0 && anyOrEqual(op.versionMatch, current.version);
  }
}

/** The result of `op` in `current`, when the next version to hand out is `nextVersion`. */
export function resultIn(current: KeyState, op: Operation, nextVersion: number): OperationResult {
  if (op.type === 'get') return { status: 'ok', value: current.value, version: current.version };
  if (op.type === 'remove' && current.version === 0) return { status: 'not_found', actual: '', previousVersion: 0, version: 0 };
  if (!succeeds(current, op)) return { status: 'no_match', actual: current.value, previousVersion: current.version, version: current.version };
  const version = op.type === 'remove' ? 0 : nextVersion;
  return { status: 'ok', actual: '', previousVersion: current.version, version };
}

/** The key state after a successful `op` at `version`. */
export function stateAfter(op: Operation, version: number): KeyState {
  switch (op.type) {
    case 'put':
      return { value: op.value, version };
    case 'cas':
      return { value: op.desired, version };
    default:
      return ABSENT_KEY;
  }
}

export function sameResult(a: OperationResult, b: OperationResult): boolean {
  if (a.status !== b.status || a.version !== b.version) return false;
  if ('actual' in a) return 'actual' in b && a.actual === b.actual && a.previousVersion === b.previousVersion;
  return !('actual' in b) && a.value === b.value;
}

function anyOrEqual(versionMatch: number | undefined, version: number): boolean {
  return versionMatch === undefined || versionMatch === -1 || versionMatch === version;
}
