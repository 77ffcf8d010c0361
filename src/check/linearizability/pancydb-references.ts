// Checks (iii) and (iv) of the version checker, wherever an output names a version:
// a get's version, a no_match's version and actual, a successful write's
// previousVersion. Version v > 0 of key k exists from the write that took v until the
// next write to k, and nowhere else, because versions are never reused. So:
// - v must come from a write to k with that value: a successful put/cas reporting v,
//   or, failing that, a put/cas of unknown outcome to k that could have taken v;
// - an operation that saw v cannot have returned before that write was called, nor
//   have been called after the next write to k returned (the state had moved on);
// - each (k, v) is replaced once: by the next successful put/cas to k, whose
//   previousVersion must then be v, or by a remove reporting previousVersion v;
// - a put/cas reporting previousVersion 0 after an earlier write to k needs a remove
//   of k in between (one reporting a previousVersion in that range, or one of unknown
//   outcome).
// Key absence (version 0) has no unique witness; the sweep (pancydb-sweep.ts) handles it.
import { precedes } from './history.ts';
import { writtenValue, type ClassifiedHistory } from './pancydb-classify.ts';
import { countAtOrBelow } from './pancydb-sweep-index.ts';
import { describePancydbOperation as show, violation, type PancydbOperation, type PancydbViolation } from './pancydb-violation.ts';

interface Reference {
  readonly operation: PancydbOperation;
  readonly key: string;
  readonly version: number;
  /** The value seen, for observations. */
  readonly value: string | undefined;
  /** True if the operation replaced (k, v): a successful put, cas or remove. */
  readonly replaces: boolean;
}

interface KeyIndex {
  /** Successful puts and cases by key, sorted by version. */
  readonly writesByKey: ReadonlyMap<string, readonly PancydbOperation[]>;
  /** previousVersion of the successful removes of each key, sorted. */
  readonly removedVersionsByKey: ReadonlyMap<string, readonly number[]>;
  /** Operations of unknown outcome by key. */
  readonly optionalByKey: ReadonlyMap<string, readonly PancydbOperation[]>;
}

export function checkReferences(history: ClassifiedHistory): PancydbViolation[] {
  const { operations, roles } = history;
  const keyIndex = indexByKey(history);
  const { writesByKey } = keyIndex;
  const violations: PancydbViolation[] = [];
  const replacedBy = new Map<string, PancydbOperation>();
  for (const reference of references(history)) {
    const { operation, key, version } = reference;
    const writer = checkWriter(history, keyIndex, reference, violations);
    const next = firstAfter(writesByKey.get(key) ?? [], version);
    if (reference.replaces) {
      const slot = `${version}\u0000${key}`;
      const earlier = replacedBy.get(slot);
      if (earlier !== undefined) violations.push(violation('previous-version', `${key}@${version} replaced twice: by ${show(earlier)} and by ${show(operation)}`, [writer, earlier, operation]));
      else replacedBy.set(slot, operation);
      // A remove reports version 0; the next write to k after it is not "in between".
      if (next !== undefined && next !== operation && operation.output!.version > 0 && next.output!.version < operation.output!.version) {
        violations.push(violation('previous-version', `${show(operation)} replaced ${key}@${version}, but ${show(next)} wrote ${key} in between`, [writer, next, operation]));
      }
    }
    if (next !== undefined && next !== operation && precedes(next, operation)) {
      violations.push(violation('stale-or-future-observation', `${show(operation)} saw ${key}@${version} after ${show(next)} had replaced it`, [writer, next, operation]));
    }
  }
  operations.forEach((operation, index) => {
    const output = operation.output;
    if (roles[index] === 'versioned' && output !== undefined && 'actual' in output && output.previousVersion === 0) {
      const problem = unexplainedRecreation(keyIndex, operation);
      if (problem !== undefined) violations.push(problem);
    }
  });
  return violations;
}

/** The write that produced the referenced version, after checking it fits. */
function checkWriter(history: ClassifiedHistory, keys: KeyIndex, reference: Reference, violations: PancydbViolation[]): PancydbOperation | undefined {
  const { operation, key, version, value } = reference;
  const index = history.versioned.get(version);
  if (index === undefined) {
    const possible = (keys.optionalByKey.get(key) ?? []).some(
      (other) =>
        writtenValue(other.input) !== undefined &&
        (value === undefined || writtenValue(other.input) === value) &&
        !precedes(operation, other),
    );
    if (!possible) violations.push(violation('unwritten-version', `${show(operation)} names ${key}@${version}, which no write to ${key} could have produced`, [operation]));
    return undefined;
  }
  const writer = history.operations[index]!;
  if (writer.input.key !== key || (value !== undefined && writtenValue(writer.input) !== value)) {
    violations.push(violation('unwritten-version', `${show(operation)} names ${key}@${version}${value === undefined ? '' : ` = ${JSON.stringify(value)}`}, but version ${version} is ${show(writer)}`, [writer, operation]));
  } else if (precedes(operation, writer)) {
    violations.push(violation('stale-or-future-observation', `${show(operation)} saw ${key}@${version} before ${show(writer)} was called`, [writer, operation]));
  }
  return writer;
}

function unexplainedRecreation(keys: KeyIndex, write: PancydbOperation): PancydbViolation | undefined {
  const { key } = write.input;
  const version = write.output!.version;
  const writes = keys.writesByKey.get(key) ?? [];
  const earlier = writes[firstWriteIndexAfter(writes, version - 1) - 1];
  if (earlier === undefined) return undefined;
  const earlierVersion = earlier.output!.version;
  if ((keys.optionalByKey.get(key) ?? []).some((other) => other.input.type === 'remove')) return undefined;
  const removed = keys.removedVersionsByKey.get(key) ?? [];
  const removal = removed[countAtOrBelow(removed, earlierVersion - 1)];
  if (removal !== undefined && removal < version) return undefined;
  return violation('previous-version', `${show(write)} found ${key} absent, but ${show(earlier)} wrote it earlier and no remove came between`, [earlier, write]);
}

function* references(history: ClassifiedHistory): Generator<Reference> {
  for (const [index, operation] of history.operations.entries()) {
    const { input, output } = operation;
    if (output === undefined) continue;
    const key = input.key;
    if (history.roles[index] === 'observation') {
      if (output.version === 0) continue;
      const value = 'actual' in output ? output.actual : output.value;
      yield { operation, key, version: output.version, value, replaces: false };
    } else if ('actual' in output && output.previousVersion > 0) {
      yield { operation, key, version: output.previousVersion, value: undefined, replaces: true };
    }
  }
}

function indexByKey(history: ClassifiedHistory): KeyIndex {
  const writesByKey = new Map<string, PancydbOperation[]>();
  const removedVersionsByKey = new Map<string, number[]>();
  const optionalByKey = new Map<string, PancydbOperation[]>();
  const append = <T>(map: Map<string, T[]>, key: string, item: T): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [item]);
    else list.push(item);
  };
  for (const index of history.versioned.values()) append(writesByKey, history.operations[index]!.input.key, history.operations[index]!);
  history.operations.forEach((operation, index) => {
    const role = history.roles[index];
    if (role === 'optional') append(optionalByKey, operation.input.key, operation);
    if (role === 'remove' && 'actual' in operation.output!) append(removedVersionsByKey, operation.input.key, operation.output.previousVersion);
  });
  for (const list of writesByKey.values()) list.sort((a, b) => versionOf(a) - versionOf(b));
  for (const list of removedVersionsByKey.values()) list.sort((a, b) => a - b);
  return { writesByKey, removedVersionsByKey, optionalByKey };
}

function versionOf(write: PancydbOperation): number {
  return write.output!.version;
}

/** The first write in `sorted` (by version) with a version above `version`. */
function firstAfter(sorted: readonly PancydbOperation[], version: number): PancydbOperation | undefined {
  return sorted[firstWriteIndexAfter(sorted, version)];
}

function firstWriteIndexAfter(sorted: readonly PancydbOperation[], version: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (versionOf(sorted[middle]!) <= version) low = middle + 1;
    else high = middle;
  }
  return low;
}
