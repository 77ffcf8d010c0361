// Outputs Pancydb can return for an input in *some* state. An output outside this set
// is a violation on its own, whatever else happened; every later stage of the
// version checker may then trust the shapes (a successful put has a version >= 1, a
// remove's previousVersion names a present key, and so on).
import type { Operation, OperationResult } from '../../core/operations.ts';
import { resultIn, sameResult, type KeyState } from './pancydb-spec.ts';

/** Why `output` is impossible for `input`, or undefined if some state yields it. */
export function impossibleOutput(input: Operation, output: OperationResult): string | undefined {
  const { version } = output;
  if (!isVersion(version)) return `version ${String(version)} is not a non-negative integer`;
  if (input.type === 'get') {
    if ('actual' in output) return 'a get returned a write result';
    if (typeof output.value !== 'string') return 'a get returned no value';
    return matchesSomeState(input, output, { value: output.value, version }, version + 1);
  }
  if (!('actual' in output)) return `a ${input.type} returned a get result`;
  const { previousVersion, actual } = output;
  if (!isVersion(previousVersion)) return `previousVersion ${String(previousVersion)} is not a non-negative integer`;
  if (typeof actual !== 'string') return 'actual is not a string';
  if (output.status === 'ok') {
    // The state before a success is the key at previousVersion; its value is unknown
    // here, so a cas is given the value it expects.
    const value = input.type === 'cas' ? input.expected : 'x';
    return matchesSomeState(input, output, { value: previousVersion === 0 ? '' : value, version: previousVersion }, Math.max(version, previousVersion + 1));
  }
  return matchesSomeState(input, output, { value: actual, version: previousVersion }, previousVersion + 1);
}

/** Absent keys read as "" at version 0, so a state with version 0 must have value "". */
function matchesSomeState(input: Operation, output: OperationResult, state: KeyState, nextVersion: number): string | undefined {
  if (state.version === 0 && state.value !== '') return `version 0 (absent) with value ${JSON.stringify(state.value)}`;
  const expected = resultIn(state, input, nextVersion);
  return sameResult(expected, output) ? undefined : `in the state it reports, Pancydb would return ${JSON.stringify(expected)}`;
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
