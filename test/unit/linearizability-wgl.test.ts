// The general linearizability checker (Wing & Gong search with Lowe's memoization) on
// small hand-made histories whose verdicts can be read off a timeline. Times are
// [call, return]; "?" is an unknown outcome (the client gave up).
import { describe, expect, it } from 'vitest';
import type { HistoryOperation } from '../../src/check/linearizability/history.ts';
import { etcdRegisterModel, type RegisterInput, type RegisterOutput } from '../../src/check/linearizability/model-etcd-register.ts';
import { kvAppendModel, type KvInput, type KvOutput } from '../../src/check/linearizability/model-kv-append.ts';
import { pancydbModel } from '../../src/check/linearizability/model-pancydb.ts';
import { checkLinearizability } from '../../src/check/linearizability/wgl.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';

type RegisterOperation = HistoryOperation<RegisterInput, RegisterOutput>;

let nextId = 0;
function operation<I, O>(client: number, callMs: number, returnMs: number | undefined, input: I, output?: O): HistoryOperation<I, O> {
  return { id: nextId++, client, callMs, returnMs, input, output: returnMs === undefined ? undefined : output };
}
const write = (client: number, callMs: number, returnMs: number | undefined, value: number): RegisterOperation =>
  operation(client, callMs, returnMs, { kind: 'write', value }, { kind: 'write' });
const read = (client: number, callMs: number, returnMs: number | undefined, value: number | null): RegisterOperation =>
  operation(client, callMs, returnMs, { kind: 'read' }, { kind: 'read', value });
const cas = (client: number, callMs: number, returnMs: number | undefined, expected: number, desired: number, succeeded: boolean): RegisterOperation =>
  operation(client, callMs, returnMs, { kind: 'cas', expected, desired }, { kind: 'cas', succeeded });

const ids = (operations: readonly { id: number }[]): number[] => operations.map((entry) => entry.id).sort((a, b) => a - b);

describe('WGL, etcd-register: real-time order', () => {
  it('a sequential history that follows the register semantics is linearizable', () => {
    const history = [write(0, 0, 1, 1), read(0, 2, 3, 1), cas(1, 4, 5, 1, 2, true), cas(1, 6, 7, 1, 3, false), read(2, 8, 9, 2)];
    expect(checkLinearizability(history, etcdRegisterModel).verdict).toBe('linearizable');
  });

  it('a stale read after a completed write is not linearizable, and the offending set names the read and both writes', () => {
    const first = write(0, 0, 1, 1);
    const second = write(0, 2, 3, 2);
    const stale = read(1, 4, 5, 1);
    const result = checkLinearizability([first, second, stale], etcdRegisterModel);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.minimal).toBe(true);
    expect(ids(result.offending)).toEqual(ids([first, second, stale]));
    expect(result.detail).toContain(`#${stale.id}`);
  });

  it('overlapping operations can be reordered: a read may see a write that has not yet returned', () => {
    const history = [write(0, 0, 10, 1), read(1, 2, 3, 1), read(2, 4, 5, 1)];
    expect(checkLinearizability(history, etcdRegisterModel).verdict).toBe('linearizable');
  });

  it('two concurrent writes may take effect in either order, but readers must agree on one order', () => {
    const a = write(0, 0, 10, 1);
    const b = write(1, 0, 10, 2);
    const agreeing = [a, b, read(2, 1, 2, 1), read(2, 3, 4, 2), read(3, 5, 6, 2)];
    expect(checkLinearizability(agreeing, etcdRegisterModel).verdict).toBe('linearizable');
    const saw2 = read(2, 1, 2, 2);
    const saw1 = read(3, 3, 4, 1);
    const then2 = read(2, 5, 6, 2);
    const result = checkLinearizability([a, b, saw2, saw1, then2], etcdRegisterModel);
    expect(result.verdict).toBe('not-linearizable');
    expect(ids(result.offending)).toEqual(expect.arrayContaining(ids([saw1, then2])));
  });

  it('a read may not see a value before its write was called', () => {
    const early = read(1, 0, 1, 7);
    const result = checkLinearizability([early, write(0, 2, 3, 7)], etcdRegisterModel);
    expect(result.verdict).toBe('not-linearizable');
    expect(ids(result.offending)).toContain(early.id);
  });

  it('operations at equal times are concurrent, so either order is allowed', () => {
    expect(checkLinearizability([read(1, 5, 6, null), write(0, 3, 5, 1)], etcdRegisterModel).verdict).toBe('linearizable');
    expect(checkLinearizability([read(1, 6, 7, null), write(0, 3, 5, 1)], etcdRegisterModel).verdict).toBe('not-linearizable');
  });
});

describe('WGL, etcd-register: unknown outcomes', () => {
  it('a write of unknown outcome may have happened', () => {
    expect(checkLinearizability([write(0, 0, undefined, 1), read(1, 5, 6, 1)], etcdRegisterModel).verdict).toBe('linearizable');
  });

  it('a write of unknown outcome may not have happened', () => {
    expect(checkLinearizability([write(0, 0, undefined, 1), read(1, 5, 6, null)], etcdRegisterModel).verdict).toBe('linearizable');
  });

  it('a write of unknown outcome may take effect long after its client gave up', () => {
    const history = [write(0, 0, undefined, 1), read(1, 5, 6, null), write(2, 7, 8, 2), read(1, 9, 10, 1)];
    expect(checkLinearizability(history, etcdRegisterModel).verdict).toBe('linearizable');
  });

  it('but it takes effect once: seen, then gone without another write, is not linearizable', () => {
    const history = [write(0, 0, undefined, 1), read(1, 5, 6, 1), read(1, 7, 8, null)];
    expect(checkLinearizability(history, etcdRegisterModel).verdict).toBe('not-linearizable');
  });

  it('and not before its call', () => {
    expect(checkLinearizability([read(1, 0, 1, 1), write(0, 2, undefined, 1)], etcdRegisterModel).verdict).toBe('not-linearizable');
  });

  it('a cas of unknown outcome applies only if its expectation held where it took effect', () => {
    const history = [write(0, 0, 1, 1), cas(1, 2, undefined, 5, 9, true), read(2, 3, 4, 9)];
    expect(checkLinearizability(history, etcdRegisterModel).verdict).toBe('not-linearizable');
  });

  it('a read of unknown outcome constrains nothing', () => {
    expect(checkLinearizability([write(0, 0, 1, 1), read(1, 2, undefined, 42)], etcdRegisterModel).verdict).toBe('linearizable');
  });
});

describe('WGL: models, partitions and limits', () => {
  const kv = (client: number, callMs: number, returnMs: number, op: KvInput['op'], key: string, value: string): HistoryOperation<KvInput, KvOutput> =>
    operation(client, callMs, returnMs, { op, key, value }, { value });

  it('kv-append splits by key and names only operations of the failing key', () => {
    const history = [kv(0, 0, 1, 'append', 'x', 'a'), kv(1, 0, 1, 'append', 'y', 'b'), kv(0, 2, 3, 'get', 'x', 'a'), kv(1, 2, 3, 'get', 'y', 'bb')];
    const result = checkLinearizability(history, kvAppendModel);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.partitions).toBe(2);
    expect(result.offending.every((entry) => entry.input.key === 'y')).toBe(true);
  });

  it('pancydb: two keys each fine alone, but both writes cannot get version 1 from the one counter', () => {
    const put = (key: string): HistoryOperation<Operation, OperationResult> =>
      operation(0, 0, 5, { type: 'put', key, value: 'v' }, { status: 'ok', actual: '', previousVersion: 0, version: 1 });
    const [a, b] = [put('a'), put('b')];
    expect(checkLinearizability([a], pancydbModel).verdict).toBe('linearizable');
    expect(checkLinearizability([b], pancydbModel).verdict).toBe('linearizable');
    const result = checkLinearizability([a, b], pancydbModel);
    expect(result.verdict).toBe('not-linearizable');
    expect(ids(result.offending)).toEqual(ids([a, b]));
  });

  it('a step budget turns a hard search into "unknown" instead of running on', () => {
    const writes = Array.from({ length: 14 }, (_, index) => write(index, 0, 100, index));
    const impossible = read(99, 101, 102, 1000);
    const result = checkLinearizability([...writes, impossible], etcdRegisterModel, { stepBudget: 50 });
    expect(result.verdict).toBe('unknown');
    expect(result.steps).toBeLessThanOrEqual(50);
  });

  it('rejects a malformed history, naming the argument and the operation', () => {
    const backwards = { ...write(0, 5, 6, 1), returnMs: 4 };
    expect(() => checkLinearizability([backwards], etcdRegisterModel)).toThrow(/history\[0\].*returnMs/);
  });
});
