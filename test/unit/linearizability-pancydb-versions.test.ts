// The Pancydb version checker on hand-made histories: the version counter as a
// witness of the write order, removes (which consume a version but report 0),
// reads of absent keys, and operations of unknown outcome. Times are [call, return].
import { describe, expect, it } from 'vitest';
import type { HistoryOperation } from '../../src/check/linearizability/history.ts';
import { pancydbModel } from '../../src/check/linearizability/model-pancydb.ts';
import { checkPancydbVersions } from '../../src/check/linearizability/pancydb-versions.ts';
import { checkLinearizability } from '../../src/check/linearizability/wgl.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';

type Op = HistoryOperation<Operation, OperationResult>;

let nextId = 0;
function op(callMs: number, returnMs: number | undefined, input: Operation, output?: OperationResult): Op {
  return { id: nextId++, client: nextId, callMs, returnMs, input, output: returnMs === undefined ? undefined : output };
}
const put = (callMs: number, returnMs: number | undefined, key: string, value: string, previousVersion: number, version: number): Op =>
  op(callMs, returnMs, { type: 'put', key, value }, { status: 'ok', actual: '', previousVersion, version });
const get = (callMs: number, returnMs: number | undefined, key: string, value: string, version: number): Op =>
  op(callMs, returnMs, { type: 'get', key }, { status: 'ok', value, version });
const remove = (callMs: number, returnMs: number | undefined, key: string, previousVersion: number): Op =>
  op(callMs, returnMs, { type: 'remove', key }, { status: 'ok', actual: '', previousVersion, version: 0 });
const notFound = (callMs: number, returnMs: number, key: string): Op =>
  op(callMs, returnMs, { type: 'remove', key }, { status: 'not_found', actual: '', previousVersion: 0, version: 0 });

const ids = (operations: readonly Op[]): number[] => operations.map((entry) => entry.id).sort((a, b) => a - b);

/** Both checkers give the verdict: the version checker and the WGL search on the pancydb model. */
function expectVerdict(history: Op[], verdict: 'linearizable' | 'not-linearizable'): void {
  expect(checkPancydbVersions(history).verdict).toBe(verdict);
  expect(checkLinearizability(history, pancydbModel).verdict).toBe(verdict);
}

function expectViolation(history: Op[], kind: string, involved: Op[]): void {
  expect(checkLinearizability(history, pancydbModel).verdict).toBe('not-linearizable');
  const result = checkPancydbVersions(history);
  expect(result.verdict).toBe('not-linearizable');
  const [first] = result.violations;
  expect(first?.kind).toBe(kind);
  expect(ids([...(first?.operations ?? [])])).toEqual(ids(involved));
}

describe('version checker: histories Pancydb can produce', () => {
  it('sequential puts, a get, a remove and a re-put are linearizable', () => {
    const history = [put(0, 1, 'a', 'x', 0, 1), put(2, 3, 'b', 'y', 0, 2), get(4, 5, 'a', 'x', 1), remove(6, 7, 'a', 1), get(8, 9, 'a', '', 0), put(10, 11, 'a', 'z', 0, 4)];
    expect(checkPancydbVersions(history)).toMatchObject({ verdict: 'linearizable', violations: [] });
    expectVerdict(history, 'linearizable');
  });

  it('concurrent writes are ordered by their versions, not their call times', () => {
    const history = [put(0, 10, 'a', 'late', 2, 3), put(1, 9, 'a', 'early', 0, 2), put(0, 10, 'b', 'first', 0, 1), get(11, 12, 'a', 'late', 3)];
    expectVerdict(history, 'linearizable');
  });

  it('two concurrent removes may take the two gap versions in either order', () => {
    const history = [put(0, 1, 'a', 'x', 0, 1), put(2, 3, 'b', 'y', 0, 2), remove(4, 10, 'a', 1), remove(4, 10, 'b', 2), put(11, 12, 'c', 'z', 0, 5)];
    expectVerdict(history, 'linearizable');
  });

  it('a put of unknown outcome may have taken a gap version that a later get reveals', () => {
    const history = [put(0, 1, 'a', 'x', 0, 1), put(2, undefined, 'a', 'lost?', 0, 0), get(5, 6, 'a', 'lost?', 2), put(7, 8, 'b', 'y', 0, 3)];
    expectVerdict(history, 'linearizable');
  });

  it('a remove of unknown outcome may explain a key found absent, or may never have run', () => {
    const unknownRemove = op(2, undefined, { type: 'remove', key: 'a' });
    expectVerdict([put(0, 1, 'a', 'x', 0, 1), unknownRemove, get(5, 6, 'a', '', 0)], 'linearizable');
    expectVerdict([put(0, 1, 'a', 'x', 0, 1), unknownRemove, get(5, 6, 'a', 'x', 1)], 'linearizable');
  });
});

describe('version checker: (i) and (ii), the order of successful writes', () => {
  it('(i) two successful writes with one version', () => {
    const [a, b] = [put(0, 1, 'a', 'x', 0, 1), put(2, 3, 'b', 'y', 0, 1)];
    expectViolation([a, b], 'duplicate-version', [a, b]);
  });

  it('(ii) a write that returned before another was called has the higher version', () => {
    const [a, b] = [put(0, 1, 'a', 'x', 0, 2), put(2, 3, 'b', 'y', 0, 1)];
    expectViolation([a, b], 'version-order', [a, b]);
  });
});

describe('version checker: (iii) and (iv), what operations saw and replaced', () => {
  it('(iii) a stale read: the value was replaced before the read was called', () => {
    const [first, second, stale] = [put(0, 1, 'a', 'x', 0, 1), put(2, 3, 'a', 'y', 1, 2), get(4, 5, 'a', 'x', 1)];
    expectViolation([first, second, stale], 'stale-or-future-observation', [first, second, stale]);
  });

  it('(iii) a read from the future: its write was called after the read returned', () => {
    const [early, write] = [get(0, 1, 'a', 'x', 1), put(2, 3, 'a', 'x', 0, 1)];
    expectViolation([early, write], 'stale-or-future-observation', [early, write]);
  });

  it('(iii) a read of a version with the wrong value', () => {
    const [write, wrong] = [put(0, 1, 'a', 'x', 0, 1), get(2, 3, 'a', 'y', 1)];
    expectViolation([write, wrong], 'unwritten-version', [write, wrong]);
  });

  it('(iv) previousVersion skips a write to the same key', () => {
    const [first, second, third] = [put(0, 1, 'a', 'x', 0, 1), put(2, 3, 'a', 'y', 1, 2), put(4, 5, 'a', 'z', 1, 3)];
    expectViolation([first, second, third], 'previous-version', [first, second, third]);
  });

  it('(iv) a key found absent with no remove since its last write', () => {
    const [first, again] = [put(0, 1, 'a', 'x', 0, 1), put(2, 3, 'a', 'y', 0, 2)];
    expectViolation([first, again], 'previous-version', [first, again]);
  });

  it('(iv) the actual value of a no_match is the value at the version it reports', () => {
    const write = put(0, 1, 'a', 'x', 0, 1);
    const mismatch = op(2, 3, { type: 'cas', key: 'a', expected: 'q', desired: 'r' }, { status: 'no_match', actual: 'zzz', previousVersion: 1, version: 1 });
    expectViolation([write, mismatch], 'unwritten-version', [write, mismatch]);
  });

  it('an output Pancydb never returns: a get that reports not_found', () => {
    const impossible = op(0, 1, { type: 'get', key: 'a' }, { status: 'not_found', value: '', version: 0 });
    expectViolation([impossible], 'impossible-output', [impossible]);
  });
});

describe('version checker: removes and absent keys (decided by the sweep)', () => {
  it('a remove consumes a version: with no gap left for it, the history is not linearizable', () => {
    const [a, removeA, b] = [put(0, 1, 'a', 'x', 0, 1), remove(2, 3, 'a', 1), put(4, 5, 'b', 'y', 0, 2)];
    expectVerdict([a, removeA, b], 'not-linearizable');
    const result = checkPancydbVersions([a, removeA, b]);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.violations[0]?.kind).toBe('no-linearization');
    expect(ids([...result.violations[0]!.operations])).toEqual(expect.arrayContaining(ids([removeA, b])));
  });

  it('a key found absent after its remove returned, and present again only after a new put', () => {
    const history = [put(0, 1, 'a', 'x', 0, 1), remove(2, 3, 'a', 1), notFound(4, 5, 'a'), put(6, 7, 'a', 'y', 0, 3), get(8, 9, 'a', 'y', 3)];
    expectVerdict(history, 'linearizable');
  });

  it('a key found absent while it was present throughout the read is not linearizable', () => {
    const [write, absent] = [put(0, 1, 'a', 'x', 0, 1), get(2, 3, 'a', '', 0)];
    const late = remove(4, 5, 'a', 1);
    expectVerdict([write, absent, late], 'not-linearizable');
    const result = checkPancydbVersions([write, absent, late]);
    expect(result.verdict).toBe('not-linearizable');
    expect(ids([...result.violations[0]!.operations])).toContain(absent.id);
  });

  it('a remove of unknown outcome cannot have run before its call', () => {
    const history = [put(0, 1, 'a', 'x', 0, 1), get(2, 3, 'a', '', 0), op(4, undefined, { type: 'remove', key: 'a' })];
    expectVerdict(history, 'not-linearizable');
  });

  it('a step budget makes a search that needs more say "unknown"', () => {
    const history = [put(0, 1, 'a', 'x', 0, 1), remove(2, 10, 'a', 1), get(3, 9, 'a', '', 0)];
    expect(checkPancydbVersions(history, { stepBudget: 3 }).verdict).toBe('unknown');
    expectVerdict(history, 'linearizable');
  });
});
