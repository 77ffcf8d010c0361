// Sorting a Pancydb history by what each operation tells the version checker.
//
// - versioned: a successful put or cas. Its version is its slot in the one total
//   order of successful writes (the database-wide counter hands out 1, 2, 3, ...).
// - remove: a successful remove. It consumed a version too, but reports version 0, so
//   its slot is not given: it must be one of the *gaps*, the versions no successful
//   put or cas reported. Its previousVersion says which write it undid.
// - observation: a get, or a failed put/cas/remove (no_match, not_found). It changed
//   nothing and shows one key's value and version at some instant.
// - optional: a put, cas or remove of unknown outcome. If it took effect it too took a
//   gap version; if not, it is as if it never ran.
// - dropped: a get of unknown outcome, which neither changed nor showed anything.
import type { Operation } from '../../core/operations.ts';
import type { PancydbOperation } from './pancydb-violation.ts';

export type Role = 'versioned' | 'remove' | 'observation' | 'optional';

export interface ClassifiedHistory {
  /** Every operation but the dropped ones, in input order. */
  readonly operations: readonly PancydbOperation[];
  readonly roles: readonly Role[];
  /** Versioned writes (indices into operations) by version; the first one if duplicated. */
  readonly versioned: ReadonlyMap<number, number>;
  /** The highest version any output mentions: every version up to it was consumed. */
  readonly maxVersion: number;
}

export function classify(history: readonly PancydbOperation[]): ClassifiedHistory {
  const operations = history.filter((operation) => operation.output !== undefined || operation.input.type !== 'get');
  const roles = operations.map(roleOf);
  const versioned = new Map<number, number>();
  let maxVersion = 0;
  operations.forEach((operation, index) => {
    const { output } = operation;
    if (output === undefined) return;
    maxVersion = Math.max(maxVersion, output.version, 'actual' in output ? output.previousVersion : 0);
    if (roles[index] === 'versioned' && !versioned.has(output.version)) versioned.set(output.version, index);
  });
  return { operations, roles, versioned, maxVersion };
}

export function roleOf(operation: PancydbOperation): Role {
  const { input, output } = operation;
  if (output === undefined) return 'optional';
  if (input.type === 'get' || output.status !== 'ok') return 'observation';
  return input.type === 'remove' ? 'remove' : 'versioned';
}

/** The value a successful put or cas leaves in its key. */
export function writtenValue(input: Operation): string | undefined {
  if (input.type === 'put') return input.value;
  if (input.type === 'cas') return input.desired;
  return undefined;
}
