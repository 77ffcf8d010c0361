// Lockseq database checker: decides whether a store state is one that the lockseq
// workload (src/sim/workload/lockseq.ts) can leave behind when every operation is
// executed atomically, in one order, exactly once. It restates the key names from
// the workload's description on purpose instead of importing them: a checker must
// not share code with what it checks.
//
// Why these shapes. Per group g, with keys g<g>/lock and g<g>/v000, g<g>/v001, ...:
// - Unlocked: the last holder wrote v000..v<m-1> with its value and removed every
//   key after them before unlocking, so the keys are one gap-free run from v000
//   holding one value (or no keys at all, before any sequence).
// - Locked by value X: the state before locking was an unlocked run Y[0, p). While
//   writing, the holder has overwritten a prefix: X[0, k) Y[k, p). While clearing
//   (after writing all m >= 1 keys), it has removed v<m>..v<j-1>: X[0, m) gap Y[j, p).
//   So: a prefix of X (possibly empty), then at most one run of another single value
//   Y; a gap of missing keys between them only after a non-empty X prefix.
//   Y differs from X because values are unique per sequence, so an X run after a gap
//   means the holder's own contiguous writes lost a key in the middle.
// - A client cut off mid-sequence leaves its group locked in one of these shapes.
// - No client writes an index >= maxSequenceLength, so any such key is a violation.
//   Every three-digit index (0..999) is scanned, which covers every value key a
//   lockseq client can name (maxSequenceLength <= 999), at 1000 reads per group.

export type LockseqRead = (key: string) => { readonly value: string; readonly version: number } | undefined;

export interface LockseqCheckOptions {
  /** Number of lock groups, default 100 (the workload's default). */
  readonly groups?: number;
  readonly maxSequenceLength: number;
}

const DEFAULT_GROUPS = 100;
const LAST_KEY_INDEX = 999;

/** A maximal run of consecutive present keys holding one value: indices [start, end). */
interface Run {
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/**
 * Returns one description per violation, each naming its group and keys; empty if
 * the state is one the lockseq workload can produce.
 * @example
 * const db = createPancydb();
 * checkLockseqDatabase((key) => db.read(key), { groups: 10, maxSequenceLength: 10 }); // []
 */
export function checkLockseqDatabase(read: LockseqRead, options: LockseqCheckOptions): string[] {
  const groups = options.groups ?? DEFAULT_GROUPS;
  const { maxSequenceLength } = options;
  if (!Number.isSafeInteger(groups) || groups < 1) {
    throw new Error(`checkLockseqDatabase: groups must be a positive integer, got ${groups}`);
  }
  if (!Number.isSafeInteger(maxSequenceLength) || maxSequenceLength < 1 || maxSequenceLength > LAST_KEY_INDEX) {
    throw new Error(`checkLockseqDatabase: maxSequenceLength must be an integer in 1..${LAST_KEY_INDEX}, got ${maxSequenceLength}`);
  }
  const violations: string[] = [];
  for (let group = 0; group < groups; group += 1) violations.push(...checkGroup(read, group, maxSequenceLength));
  return violations;
}

function checkGroup(read: LockseqRead, group: number, maxSequenceLength: number): string[] {
  const violations: string[] = [];
  const values: (string | undefined)[] = [];
  for (let index = 0; index <= LAST_KEY_INDEX; index += 1) {
    const entry = read(valueKey(group, index));
    if (index < maxSequenceLength) {
      values.push(entry?.value);
    } else if (entry !== undefined) {
      violations.push(
        `g${group}: ${valueKey(group, index)} = ${JSON.stringify(entry.value)} is present, ` +
          `but no client writes an index >= maxSequenceLength ${maxSequenceLength}`,
      );
    }
  }
  const runs = runsOf(values);
  const lock = read(`g${group}/lock`);
  const shapeViolation = lock === undefined ? checkUnlocked(group, runs) : checkLocked(group, lock.value, runs);
  if (shapeViolation !== undefined) violations.push(shapeViolation);
  return violations;
}

function checkUnlocked(group: number, runs: readonly Run[]): string | undefined {
  const [first, second] = runs;
  if (first === undefined) return undefined;
  if (first.start !== 0) {
    return `g${group} (unlocked): ${valueKey(group, 0)} is missing but ${describeRun(group, first)}; ${describeRuns(group, runs)}`;
  }
  if (second === undefined) return undefined;
  const reason =
    second.start > first.end
      ? `the run from ${valueKey(group, 0)} has a gap at ${describeGap(group, first.end, second.start)}`
      : `the run from ${valueKey(group, 0)} changes value at ${valueKey(group, second.start)}`;
  return `g${group} (unlocked): ${reason}; expected one gap-free run of one value, ${describeRuns(group, runs)}`;
}

function checkLocked(group: number, holder: string, runs: readonly Run[]): string | undefined {
  const [first] = runs;
  const prefix = first !== undefined && first.start === 0 && first.value === holder ? first : undefined;
  const rest = prefix === undefined ? runs : runs.slice(1);
  const [run, extra] = rest;
  const context = `g${group} (locked by ${JSON.stringify(holder)})`;
  if (run === undefined) return undefined;
  if (extra !== undefined) {
    return `${context}: ${describeRun(group, extra)} is a second run after the holder's prefix; ${describeRuns(group, runs)}`;
  }
  if (prefix === undefined && run.start !== 0) {
    return `${context}: ${describeGap(group, 0, run.start)} missing without a holder's prefix before them; ${describeRuns(group, runs)}`;
  }
  if (run.value === holder) {
    // Only reachable with a gap, since the prefix run is maximal.
    return `${context}: ${describeRun(group, run)} holds the holder's value after a gap; ${describeRuns(group, runs)}`;
  }
  return undefined;
}

/** Maximal runs of consecutive present keys with equal values, in index order. */
function runsOf(values: readonly (string | undefined)[]): Run[] {
  const runs: Run[] = [];
  let start = 0;
  while (start < values.length) {
    const value = values[start];
    if (value === undefined) {
      start += 1;
      continue;
    }
    let end = start + 1;
    while (end < values.length && values[end] === value) end += 1;
    runs.push({ start, end, value });
    start = end;
  }
  return runs;
}

function valueKey(group: number, index: number): string {
  return `g${group}/v${String(index).padStart(3, '0')}`;
}

function describeRun(group: number, run: Run): string {
  const keys = run.end - run.start === 1 ? valueKey(group, run.start) : `${valueKey(group, run.start)}..${valueKey(group, run.end - 1)}`;
  return `${keys} = ${JSON.stringify(run.value)}`;
}

function describeGap(group: number, start: number, end: number): string {
  return end - start === 1 ? valueKey(group, start) : `${valueKey(group, start)}..${valueKey(group, end - 1)}`;
}

function describeRuns(group: number, runs: readonly Run[]): string {
  return `found ${runs.map((run) => describeRun(group, run)).join(', ')}`;
}

/**
 * The `read` function over a store snapshot's entries (`[key, value, version]`,
 * sorted by key, keys unique).
 * @example
 * const read = lockseqReadFromEntries(db.snapshot().entries);
 * checkLockseqDatabase(read, { maxSequenceLength: 10 });
 */
export function lockseqReadFromEntries(entries: readonly (readonly [string, string, number])[]): LockseqRead {
  const byKey = new Map<string, { readonly value: string; readonly version: number }>();
  for (const [key, value, version] of entries) {
    if (byKey.has(key)) throw new Error(`lockseqReadFromEntries: entries list key ${JSON.stringify(key)} twice`);
    byKey.set(key, { value, version });
  }
  return (key) => byKey.get(key);
}
