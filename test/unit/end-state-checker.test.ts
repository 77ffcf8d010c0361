// state-agreement across different prefixes (src/check/end-state.ts): correct replicas that
// stopped at different seqs are still compared, through Pancydb's versions, so a run in
// which every replica ended at a different seq cannot pass without a comparison.
import { describe, expect, it } from 'vitest';
import { compareAcrossPrefixes, endStateOf, type ReplicaEndState } from '../../src/check/end-state.ts';
import { ClientTable } from '../../src/core/client-table.ts';
import type { Operation } from '../../src/core/operations.ts';
import { createPancydb } from '../../src/core/pancydb.ts';

const OPERATIONS: readonly Operation[] = [
  { type: 'put', key: 'a', value: '1' },
  { type: 'put', key: 'b', value: '2' },
  { type: 'put', key: 'c', value: '3' },
  { type: 'remove', key: 'b' },
  { type: 'put', key: 'a', value: '4' },
];

/** A replica that executed the first `count` operations, one per seq, all for client 0 at t = seq. */
function replicaAfter(id: number, count: number, corrupt?: (db: ReturnType<typeof createPancydb>) => void) {
  const store = createPancydb();
  const clients = new ClientTable();
  OPERATIONS.slice(0, count).forEach((operation, index) => clients.set(0, { timestamp: index + 1, result: store.execute(operation), reply: undefined }));
  corrupt?.(store);
  return endStateOf({ id, lastExecuted: count, store, clients } as unknown as Parameters<typeof endStateOf>[0]);
}

describe('state-agreement across prefixes', () => {
  it('replicas at different seqs of one history agree', () => {
    expect(compareAcrossPrefixes([replicaAfter(0, 1), replicaAfter(1, 3), replicaAfter(2, 4), replicaAfter(3, 5)])).toEqual([]);
  });

  it('every replica at a different seq, one with a value changed inside the common prefix: reported', () => {
    const corrupted = replicaAfter(3, 5, (db) => db.restore({ ...db.snapshot(), entries: db.snapshot().entries.map(([key, value, version]) => (key === 'c' ? [key, 'X', version] as const : [key, value, version] as const)) }));
    const problems = compareAcrossPrefixes([replicaAfter(0, 3), replicaAfter(1, 4), corrupted]);
    expect(problems.map((problem) => problem.replicas)).toEqual([[1, 3]]);
    expect(problems[0]!.detail).toMatch(/"c" is "X"@3 at the higher replica, written inside the common prefix, but "3"@3 at the lower one/);
  });

  it('a key gone at the higher replica with no version taken since, and a client t that went back', () => {
    const lower: ReplicaEndState = replicaAfter(0, 3);
    const higher: ReplicaEndState = { ...lower, replica: 1, lastExecuted: 4, store: { ...lower.store, entries: lower.store.entries.filter(([key]) => key !== 'a') }, clients: new Map([[0, [2, 'x']]]) };
    const details = compareAcrossPrefixes([lower, higher]).map((problem) => problem.detail);
    expect(details).toEqual([expect.stringMatching(/"a" is "1"@1 at the lower replica and gone/), expect.stringMatching(/client 0's last t went back from 3 to 2/)]);
  });

  it("a result whose fields come in another order (decoded from a transferred client table) is the same result; another value is not", () => {
    const lower = replicaAfter(0, 3);
    const withRow = (id: number, lastExecuted: number, result: Record<string, unknown>) =>
      endStateOf({ id, lastExecuted, store: createPancydb(), clients: { rows: () => [[2, 1, result]] } } as unknown as Parameters<typeof endStateOf>[0]);
    // Hunt seed 2, schedule 2000: replica 1 executed client 2's get; replica 2 had the row from a STATE.
    const executed = withRow(1, 68, { status: 'ok', value: '', version: 0 });
    const transferred = withRow(2, 57, { status: 'ok', version: 0, value: '' });
    const other = withRow(2, 57, { status: 'ok', version: 0, value: 'x' });
    expect(compareAcrossPrefixes([{ ...transferred, store: lower.store }, { ...executed, store: lower.store }])).toEqual([]);
    expect(compareAcrossPrefixes([{ ...other, store: lower.store }, { ...executed, store: lower.store }]).map((problem) => problem.detail)).toEqual([expect.stringMatching(/client 2 t=1 has different results/)]);
  });
});
