// The lockseq checker on hand-built states: the shapes the workload leaves behind
// (unlocked, and locked mid-write and mid-clear) pass; states no linearizable store
// can reach fail with a description naming the group and the keys.
import { describe, expect, it } from 'vitest';
import { checkLockseqDatabase, lockseqReadFromEntries } from '../../src/check/lockseq.ts';

const MAX_SEQUENCE_LENGTH = 8;
const GROUPS = 4;
const X = 'c1 00000aa';
const Y = 'c2 00000bb';
const Z = 'c3 00000cc';

/**
 * A group-3 state from a compact picture: one character per index from v000,
 * 'X'/'Y'/'Z' for those values and '.' for a missing key.
 */
function stateOf(picture: string, lock?: string): [string, string, number][] {
  const entries: [string, string, number][] = [];
  const values: Record<string, string> = { X, Y, Z };
  [...picture].forEach((symbol, index) => {
    const value = values[symbol];
    if (value !== undefined) entries.push([`g3/v${String(index).padStart(3, '0')}`, value, index + 10]);
  });
  if (lock !== undefined) entries.push(['g3/lock', lock, 100]);
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function check(picture: string, lock?: string): string[] {
  return checkLockseqDatabase(lockseqReadFromEntries(stateOf(picture, lock)), {
    groups: GROUPS,
    maxSequenceLength: MAX_SEQUENCE_LENGTH,
  });
}

function expectOneViolationNaming(violations: string[], ...keys: string[]): void {
  expect(violations).toHaveLength(1);
  const [violation] = violations;
  expect(violation).toMatch(/^g3\b/);
  for (const key of keys) expect(violation).toContain(key);
}

describe('lockseq checker: states the workload can produce', () => {
  it.each([
    ['empty database', ''],
    ['one key', 'Y'],
    ['a full-length run', 'YYYYYYYY'],
  ])('unlocked: %s', (_name, picture) => {
    expect(check(picture)).toEqual([]);
  });

  it.each([
    ['just locked, nothing written, empty group', ''],
    ['just locked, previous run untouched', 'YYYYY'],
    ['mid-write: prefix overwritten, rest of previous run', 'XXYYY'],
    ['mid-write: writing past the previous run', 'XXXXXX'],
    ['mid-clear: prefix, removed keys, rest of previous run', 'XX..YYY'],
    ['mid-clear: one key removed so far', 'XXX.YYYY'],
    ['done clearing, not yet unlocked', 'XXX'],
    ['full-length prefix', 'XXXXXXXX'],
  ])('locked: %s', (_name, picture) => {
    expect(check(picture, X)).toEqual([]);
  });
});

describe('lockseq checker: violations name the group and keys', () => {
  it('unlocked run with a gap', () => {
    expectOneViolationNaming(check('YY.Y'), 'g3/v002');
  });

  it('unlocked run with two values', () => {
    expectOneViolationNaming(check('YYZZ'), 'g3/v002', Z);
  });

  it('unlocked run not starting at v000', () => {
    expectOneViolationNaming(check('.YYY'), 'g3/v000', 'g3/v001');
  });

  it('locked: a foreign value at v000 followed by another run', () => {
    expectOneViolationNaming(check('ZYYY', X), 'g3/v001', Y);
  });

  it('locked: two separate runs after the gap', () => {
    expectOneViolationNaming(check('XX.Y.Z', X), 'g3/v005', Z);
  });

  it('locked: two adjacent runs of different values after the prefix', () => {
    expectOneViolationNaming(check('XXYYZ', X), 'g3/v004');
  });

  it("locked: the holder's value after a gap (a lost write in the middle)", () => {
    expectOneViolationNaming(check('XX.XX', X), 'g3/v003');
  });

  it('locked: a gap at v000 with no holder prefix', () => {
    expectOneViolationNaming(check('..YY', X), 'g3/v000');
  });

  it('a key at index maxSequenceLength is beyond what any client writes', () => {
    const violations = check('YYYYYYYYY');
    expectOneViolationNaming(violations, 'g3/v008');
    expect(violations[0]).toContain('maxSequenceLength');
  });

  it('a key at index 999, far beyond the run, is found', () => {
    const read = lockseqReadFromEntries([['g0/v999', Y, 5]]);
    const violations = checkLockseqDatabase(read, { groups: 1, maxSequenceLength: 8 });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain('g0/v999');
  });

  it('reports every bad group, and only those', () => {
    const read = lockseqReadFromEntries([
      ['g0/v000', X, 1],
      ['g0/v002', X, 2],
      ['g1/v000', Y, 3],
      ['g2/lock', X, 4],
      ['g2/v000', Z, 5],
      ['g2/v001', Y, 6],
    ]);
    const violations = checkLockseqDatabase(read, { groups: GROUPS, maxSequenceLength: MAX_SEQUENCE_LENGTH });
    expect(violations).toHaveLength(2);
    expect(violations[0]).toMatch(/^g0\b/);
    expect(violations[1]).toMatch(/^g2\b/);
  });

  it('groups beyond options.groups are not scanned (default 100)', () => {
    const read = lockseqReadFromEntries([['g100/v001', Y, 1], ['g99/v001', Y, 2]]);
    const violations = checkLockseqDatabase(read, { maxSequenceLength: MAX_SEQUENCE_LENGTH });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(/^g99\b/);
  });
});

describe('lockseq checker: inputs', () => {
  it('lockseqReadFromEntries rejects a duplicated key, naming it', () => {
    expect(() => lockseqReadFromEntries([['g0/v000', X, 1], ['g0/v000', Y, 2]])).toThrow(/g0\/v000/);
  });

  it('rejects maxSequenceLength outside 1..999, naming it', () => {
    const read = lockseqReadFromEntries([]);
    expect(() => checkLockseqDatabase(read, { maxSequenceLength: 0 })).toThrow(/maxSequenceLength/);
    expect(() => checkLockseqDatabase(read, { maxSequenceLength: 1000 })).toThrow(/maxSequenceLength/);
  });
});
