// Pancydb against a deliberately naive reference model, over random operation
// sequences on a tiny key set so that collisions, stale versions and re-puts after
// removes are frequent. fast-check prints the seed and path that replay a failure.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPancydb, type Pancydb, type PancydbSnapshot } from '../../src/core/pancydb.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';

// ---- The reference model: a plain object and a counter, written the obvious way. ----

class NaiveStore {
  data: Record<string, { value: string; version: number }> = {};
  counter = 1;

  run(op: Operation): OperationResult {
    const here = op.key in this.data;
    const value = here ? this.data[op.key]!.value : '';
    const version = here ? this.data[op.key]!.version : 0;
    const vm = op.type === 'get' ? undefined : op.versionMatch;
    const versionOk = vm === undefined || vm === -1 || vm === version;
    const noMatch = { status: 'no_match' as const, actual: value, previousVersion: version, version: version };

    if (op.type === 'get') {
      return { status: 'ok', value: value, version: version };
    }
    if (op.type === 'put') {
      if (!versionOk) return noMatch;
      this.data[op.key] = { value: op.value, version: this.counter };
      this.counter = this.counter + 1;
      return { status: 'ok', actual: '', previousVersion: version, version: this.counter - 1 };
    }
    if (op.type === 'cas') {
      if (op.expected !== value) return noMatch;
      if (!versionOk) return noMatch;
      this.data[op.key] = { value: op.desired, version: this.counter };
      this.counter = this.counter + 1;
      return { status: 'ok', actual: '', previousVersion: version, version: this.counter - 1 };
    }
    // remove
    if (!here) return { status: 'not_found', actual: '', previousVersion: 0, version: 0 };
    if (!versionOk) return noMatch;
    delete this.data[op.key];
    this.counter = this.counter + 1;
    return { status: 'ok', actual: '', previousVersion: version, version: 0 };
  }

  snapshot(): PancydbSnapshot {
    const keys = Object.keys(this.data).sort();
    return { nextVersion: this.counter, entries: keys.map((k) => [k, this.data[k]!.value, this.data[k]!.version] as const) };
  }
}

// ---- Arbitraries ----

interface Alphabet {
  readonly keys: readonly string[];
  readonly values: readonly string[];
}

const WIDE: Alphabet = { keys: ['a', 'b', 'c'], values: ['', 'x', 'y', 'é'] };
// Two keys and two values make equal end states from different histories common.
const NARROW: Alphabet = { keys: ['a', 'b'], values: ['', 'x'] };

const versionMatchArb = fc.constantFrom(undefined, -1, 0, 1, 2, 3, 4, 5, 6);

/** exactOptionalPropertyTypes: an omitted versionMatch must be absent, not undefined. */
function withVersionMatch<T extends object>(op: T, versionMatch: number | undefined): T & { versionMatch?: number } {
  return versionMatch === undefined ? op : { ...op, versionMatch };
}

function operationArb({ keys, values }: Alphabet): fc.Arbitrary<Operation> {
  const key = fc.constantFrom(...keys);
  const value = fc.constantFrom(...values);
  return fc.oneof(
    key.map((k): Operation => ({ type: 'get', key: k })),
    fc.tuple(key, value, versionMatchArb).map(([k, v, vm]): Operation => withVersionMatch({ type: 'put', key: k, value: v }, vm)),
    fc.tuple(key, value, value, versionMatchArb).map(([k, e, d, vm]): Operation => withVersionMatch({ type: 'cas', key: k, expected: e, desired: d }, vm)),
    fc.tuple(key, versionMatchArb).map(([k, vm]): Operation => withVersionMatch({ type: 'remove', key: k }, vm)),
  );
}

function storeAfter(ops: readonly Operation[]): Pancydb {
  const db = createPancydb();
  for (const op of ops) db.execute(op);
  return db;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

// ---- Properties ----

describe('pancydb property: agrees with the naive reference model', () => {
  it('every result, snapshot and nextVersion matches at every step (3 keys, 0..60 ops)', () => {
    fc.assert(
      fc.property(fc.array(operationArb(WIDE), { maxLength: 60 }), (ops) => {
        const db = createPancydb();
        const model = new NaiveStore();
        for (const op of ops) {
          expect(db.execute(op)).toStrictEqual(model.run(op));
          expect(db.snapshot()).toStrictEqual(model.snapshot());
          expect(db.nextVersion).toBe(model.counter);
          expect(db.size).toBe(Object.keys(model.data).length);
          for (const key of WIDE.keys) expect(db.read(key)).toStrictEqual(model.data[key]);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('pancydb property: speculate (tentative execution)', () => {
  it('gives the results executing would give, in order, and leaves the state exactly as it was', () => {
    fc.assert(
      fc.property(fc.array(operationArb(WIDE), { maxLength: 30 }), fc.array(operationArb(WIDE), { minLength: 1, maxLength: 20 }), (prefix, batch) => {
        const db = storeAfter(prefix);
        const before = db.snapshot();
        const speculated = db.speculate(batch);
        expect(db.snapshot()).toStrictEqual(before);
        expect(db.nextVersion).toBe(before.nextVersion);
        const executed = batch.map((op) => db.execute(op));
        expect(speculated).toStrictEqual(executed);
      }),
      { numRuns: 300 },
    );
  });
});

describe('pancydb property: digest', () => {
  it('two stores have equal digests iff their snapshots are equal', () => {
    const seen = { equal: 0, different: 0 };
    const history = fc.array(operationArb(NARROW), { maxLength: 4 });
    fc.assert(
      fc.property(history, history, (left, right) => {
        const leftDb = storeAfter(left);
        const rightDb = storeAfter(right);
        const sameState = JSON.stringify(leftDb.snapshot()) === JSON.stringify(rightDb.snapshot());
        seen[sameState ? 'equal' : 'different'] += 1;
        expect(hex(leftDb.digest()) === hex(rightDb.digest())).toBe(sameState);
      }),
      { numRuns: 2000 },
    );
    // The property only means something if both sides of the "iff" were exercised.
    expect(seen.equal).toBeGreaterThan(50);
    expect(seen.different).toBeGreaterThan(50);
  });

  it('snapshot then restore into a new store gives the same digest and the same future', () => {
    const ops = fc.array(operationArb(WIDE), { maxLength: 30 });
    fc.assert(
      fc.property(ops, ops, (past, future) => {
        const original = storeAfter(past);
        const fromConstructor = createPancydb(original.snapshot());
        const fromRestore = storeAfter([{ type: 'put', key: 'stale', value: 'gone' }]);
        fromRestore.restore(original.snapshot());
        for (const copy of [fromConstructor, fromRestore]) expect(hex(copy.digest())).toBe(hex(original.digest()));
        for (const op of future) {
          const expected = original.execute(op);
          expect(fromConstructor.execute(op)).toStrictEqual(expected);
          expect(fromRestore.execute(op)).toStrictEqual(expected);
        }
        for (const copy of [fromConstructor, fromRestore]) expect(hex(copy.digest())).toBe(hex(original.digest()));
      }),
      { numRuns: 300 },
    );
  });
});
