// Pancydb state machine: every rule of the operation semantics, one table row each,
// then the digest and snapshot contracts that checkpoints and state transfer rely on.

import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { createPancydb, encodePancydbState, type Pancydb, type PancydbSnapshot } from '../../src/core/pancydb.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';

/** a = "x" at version 1, b = "y" at version 2, nextVersion 3. */
const SEEDED: readonly Operation[] = [
  { type: 'put', key: 'a', value: 'x' },
  { type: 'put', key: 'b', value: 'y' },
];

function storeAfter(ops: readonly Operation[]): Pancydb {
  const db = createPancydb();
  for (const op of ops) db.execute(op);
  return db;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

interface Rule {
  readonly spec: string;
  readonly op: Operation;
  readonly result: OperationResult;
  readonly nextVersionAfter: number;
  /** What `read(op.key)` returns afterwards. */
  readonly entryAfter: { value: string; version: number } | undefined;
}

const NO_MATCH_A = { status: 'no_match', actual: 'x', previousVersion: 1, version: 1 } as const;
const NO_MATCH_ABSENT = { status: 'no_match', actual: '', previousVersion: 0, version: 0 } as const;
const A_UNCHANGED = { value: 'x', version: 1 };

// Every row starts from SEEDED: a="x"@1, b="y"@2, nextVersion 3; key "z" is absent.
const RULES: readonly Rule[] = [
  // get
  { spec: 'get of a present key returns its value and version', op: { type: 'get', key: 'a' }, result: { status: 'ok', value: 'x', version: 1 }, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'get of an absent key reads as "" at version 0', op: { type: 'get', key: 'z' }, result: { status: 'ok', value: '', version: 0 }, nextVersionAfter: 3, entryAfter: undefined },
  // put
  { spec: 'put without versionMatch writes an absent key at nextVersion', op: { type: 'put', key: 'z', value: 'v' }, result: { status: 'ok', actual: '', previousVersion: 0, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'put without versionMatch overwrites a present key', op: { type: 'put', key: 'a', value: 'v' }, result: { status: 'ok', actual: '', previousVersion: 1, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'put with versionMatch -1 matches any version', op: { type: 'put', key: 'a', value: 'v', versionMatch: -1 }, result: { status: 'ok', actual: '', previousVersion: 1, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'put with versionMatch equal to the current version writes', op: { type: 'put', key: 'a', value: 'v', versionMatch: 1 }, result: { status: 'ok', actual: '', previousVersion: 1, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'put with versionMatch 0 on an absent key writes', op: { type: 'put', key: 'z', value: 'v', versionMatch: 0 }, result: { status: 'ok', actual: '', previousVersion: 0, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'put with a stale versionMatch is no_match carrying the current value and version', op: { type: 'put', key: 'a', value: 'v', versionMatch: 2 }, result: NO_MATCH_A, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'put with versionMatch 0 on a present key is no_match', op: { type: 'put', key: 'a', value: 'v', versionMatch: 0 }, result: NO_MATCH_A, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'put with versionMatch > 0 on an absent key is no_match with "" at version 0', op: { type: 'put', key: 'z', value: 'v', versionMatch: 1 }, result: NO_MATCH_ABSENT, nextVersionAfter: 3, entryAfter: undefined },
  { spec: 'put of "" stores a present key whose value is empty', op: { type: 'put', key: 'z', value: '' }, result: { status: 'ok', actual: '', previousVersion: 0, version: 3 }, nextVersionAfter: 4, entryAfter: { value: '', version: 3 } },
  // cas
  { spec: 'cas with the current value writes desired like a put', op: { type: 'cas', key: 'a', expected: 'x', desired: 'v' }, result: { status: 'ok', actual: '', previousVersion: 1, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'cas with a different expected value is no_match', op: { type: 'cas', key: 'a', expected: 'y', desired: 'v' }, result: NO_MATCH_A, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'cas on an absent key with expected "" writes', op: { type: 'cas', key: 'z', expected: '', desired: 'v' }, result: { status: 'ok', actual: '', previousVersion: 0, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'cas on an absent key with a non-empty expected is no_match', op: { type: 'cas', key: 'z', expected: 'x', desired: 'v' }, result: NO_MATCH_ABSENT, nextVersionAfter: 3, entryAfter: undefined },
  { spec: 'cas with matching value and matching versionMatch writes', op: { type: 'cas', key: 'a', expected: 'x', desired: 'v', versionMatch: 1 }, result: { status: 'ok', actual: '', previousVersion: 1, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'cas with matching value and versionMatch -1 writes', op: { type: 'cas', key: 'a', expected: 'x', desired: 'v', versionMatch: -1 }, result: { status: 'ok', actual: '', previousVersion: 1, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'cas with matching value but stale versionMatch is no_match', op: { type: 'cas', key: 'a', expected: 'x', desired: 'v', versionMatch: 2 }, result: NO_MATCH_A, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'cas with matching versionMatch but wrong value is no_match', op: { type: 'cas', key: 'a', expected: 'y', desired: 'v', versionMatch: 1 }, result: NO_MATCH_A, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'cas on an absent key with expected "" and versionMatch 0 writes', op: { type: 'cas', key: 'z', expected: '', desired: 'v', versionMatch: 0 }, result: { status: 'ok', actual: '', previousVersion: 0, version: 3 }, nextVersionAfter: 4, entryAfter: { value: 'v', version: 3 } },
  { spec: 'cas on an absent key with expected "" but versionMatch 1 is no_match', op: { type: 'cas', key: 'z', expected: '', desired: 'v', versionMatch: 1 }, result: NO_MATCH_ABSENT, nextVersionAfter: 3, entryAfter: undefined },
  // remove
  { spec: 'remove of a present key deletes it, reports version 0 and consumes a version', op: { type: 'remove', key: 'a' }, result: { status: 'ok', actual: '', previousVersion: 1, version: 0 }, nextVersionAfter: 4, entryAfter: undefined },
  { spec: 'remove with matching versionMatch deletes', op: { type: 'remove', key: 'b', versionMatch: 2 }, result: { status: 'ok', actual: '', previousVersion: 2, version: 0 }, nextVersionAfter: 4, entryAfter: undefined },
  { spec: 'remove with versionMatch -1 deletes', op: { type: 'remove', key: 'a', versionMatch: -1 }, result: { status: 'ok', actual: '', previousVersion: 1, version: 0 }, nextVersionAfter: 4, entryAfter: undefined },
  { spec: 'remove with a stale versionMatch is no_match', op: { type: 'remove', key: 'a', versionMatch: 2 }, result: NO_MATCH_A, nextVersionAfter: 3, entryAfter: A_UNCHANGED },
  { spec: 'remove of an absent key is not_found', op: { type: 'remove', key: 'z' }, result: { status: 'not_found', actual: '', previousVersion: 0, version: 0 }, nextVersionAfter: 3, entryAfter: undefined },
  { spec: 'remove of an absent key is not_found even with a mismatching versionMatch', op: { type: 'remove', key: 'z', versionMatch: 7 }, result: { status: 'not_found', actual: '', previousVersion: 0, version: 0 }, nextVersionAfter: 3, entryAfter: undefined },
  { spec: 'remove of an absent key is not_found even with versionMatch 0', op: { type: 'remove', key: 'z', versionMatch: 0 }, result: { status: 'not_found', actual: '', previousVersion: 0, version: 0 }, nextVersionAfter: 3, entryAfter: undefined },
];

describe('pancydb operations (from a="x"@1, b="y"@2, nextVersion 3)', () => {
  it.each(RULES)('$spec', ({ op, result, nextVersionAfter, entryAfter }) => {
    const db = storeAfter(SEEDED);
    expect(db.execute(op)).toStrictEqual(result);
    expect(db.nextVersion).toBe(nextVersionAfter);
    expect(db.read(op.key)).toStrictEqual(entryAfter);
  });

  it('leaves the other key untouched whatever the operation on "a" or "z"', () => {
    for (const { op } of RULES.filter((rule) => rule.op.key !== 'b')) {
      const db = storeAfter(SEEDED);
      db.execute(op);
      expect(db.read('b')).toStrictEqual({ value: 'y', version: 2 });
    }
  });
});

describe('pancydb versions', () => {
  it('a fresh store has nextVersion 1 and no keys', () => {
    const db = createPancydb();
    expect(db.nextVersion).toBe(1);
    expect(db.size).toBe(0);
  });

  it('consumes exactly one version per successful write and none per failure or get', () => {
    const db = createPancydb();
    const steps: readonly [Operation, number][] = [
      [{ type: 'put', key: 'k', value: '1' }, 2],
      [{ type: 'get', key: 'k' }, 2],
      [{ type: 'put', key: 'k', value: '2', versionMatch: 5 }, 2],
      [{ type: 'cas', key: 'k', expected: 'nope', desired: '3' }, 2],
      [{ type: 'cas', key: 'k', expected: '1', desired: '3' }, 3],
      [{ type: 'remove', key: 'k', versionMatch: 1 }, 3],
      [{ type: 'remove', key: 'k' }, 4],
      [{ type: 'remove', key: 'k' }, 4],
    ];
    for (const [op, nextVersion] of steps) {
      db.execute(op);
      expect(db.nextVersion, JSON.stringify(op)).toBe(nextVersion);
    }
  });

  it('never reuses a version after a remove: the re-put gets a fresh one and previousVersion 0', () => {
    const db = storeAfter([
      { type: 'put', key: 'k', value: '1' },
      { type: 'remove', key: 'k' },
    ]);
    expect(db.execute({ type: 'put', key: 'k', value: '2' })).toStrictEqual({ status: 'ok', actual: '', previousVersion: 0, version: 3 });
  });

  it('size counts present keys, including keys whose value is ""', () => {
    const db = storeAfter([...SEEDED, { type: 'put', key: 'e', value: '' }, { type: 'remove', key: 'a' }]);
    expect(db.size).toBe(2);
  });

  it.each([-2, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('asserts on versionMatch %s, a programmer error', (versionMatch) => {
    const db = storeAfter(SEEDED);
    expect(() => db.execute({ type: 'put', key: 'a', value: 'v', versionMatch })).toThrow(/versionMatch/);
    expect(() => db.execute({ type: 'cas', key: 'a', expected: 'x', desired: 'v', versionMatch })).toThrow(/versionMatch/);
    expect(() => db.execute({ type: 'remove', key: 'a', versionMatch })).toThrow(/versionMatch/);
    expect(db.snapshot()).toStrictEqual(storeAfter(SEEDED).snapshot());
  });
});

describe('pancydb digest', () => {
  it('is SHA-256 of encodePancydbState(snapshot())', () => {
    const db = storeAfter(SEEDED);
    expect(hex(db.digest())).toBe(hex(sha256(encodePancydbState(db.snapshot()))));
  });

  it('encodes tag, nextVersion, count, then length-prefixed UTF-8 key, value and version (big-endian)', () => {
    const encoded = encodePancydbState({ nextVersion: 2, entries: [['k', 'é', 1]] });
    const expected =
      Buffer.from('pancydb-state-v1').toString('hex') +
      '0000000000000002' + '00000001' +
      '00000001' + '6b' + '00000002' + 'c3a9' + '0000000000000001';
    expect(hex(encoded)).toBe(expected);
  });

  it('changes when nextVersion alone changes (same entries, a put then remove in between)', () => {
    const before = storeAfter(SEEDED);
    const after = storeAfter([...SEEDED, { type: 'put', key: 't', value: 'x' }, { type: 'remove', key: 't' }]);
    expect(after.snapshot().entries).toStrictEqual(before.snapshot().entries);
    expect(hex(after.digest())).not.toBe(hex(before.digest()));
  });

  it('does not change on a get or a failed write', () => {
    const db = storeAfter(SEEDED);
    const digest = hex(db.digest());
    db.execute({ type: 'get', key: 'a' });
    db.execute({ type: 'put', key: 'a', value: 'v', versionMatch: 9 });
    db.execute({ type: 'cas', key: 'a', expected: 'wrong', desired: 'v' });
    db.execute({ type: 'remove', key: 'z' });
    expect(hex(db.digest())).toBe(digest);
  });

  it('is independent of insertion order (same state reached by different histories)', () => {
    // Both end as a="1"@2, b="2"@3, nextVersion 4, but insert "b" and "a" first respectively.
    const bFirst = storeAfter([
      { type: 'put', key: 'b', value: 'old' },
      { type: 'put', key: 'a', value: '1' },
      { type: 'put', key: 'b', value: '2' },
    ]);
    const aFirst = storeAfter([
      { type: 'put', key: 'a', value: 'old' },
      { type: 'put', key: 'a', value: '1' },
      { type: 'put', key: 'b', value: '2' },
    ]);
    expect(bFirst.snapshot()).toStrictEqual(aFirst.snapshot());
    expect(hex(bFirst.digest())).toBe(hex(aFirst.digest()));
  });

  it.each<[string, PancydbSnapshot, PancydbSnapshot]>([
    ['key/value boundary', { nextVersion: 2, entries: [['ab', '', 1]] }, { nextVersion: 2, entries: [['a', 'b', 1]] }],
    ['entry boundary', { nextVersion: 3, entries: [['a', 'b', 1], ['c', '', 2]] }, { nextVersion: 3, entries: [['a', '', 1], ['bc', '', 2]] }],
    ['empty value vs absent key', { nextVersion: 2, entries: [['a', '', 1]] }, { nextVersion: 2, entries: [] }],
    ['version only', { nextVersion: 3, entries: [['a', 'x', 1]] }, { nextVersion: 3, entries: [['a', 'x', 2]] }],
  ])('distinguishes states that differ only at a %s', (_, left, right) => {
    expect(hex(createPancydb(left).digest())).not.toBe(hex(createPancydb(right).digest()));
  });

  it('asserts on a lone surrogate, which UTF-8 cannot encode injectively', () => {
    // execute refuses one at the boundary; a restored snapshot is the only way in.
    const db = createPancydb({ nextVersion: 2, entries: [['k', '\uD800', 1]] });
    expect(() => db.digest()).toThrow(/well-formed/);
  });

  it('hashes a 10,000-key store', () => {
    const db = createPancydb();
    for (let index = 0; index < 10_000; index += 1) db.execute({ type: 'put', key: `key-${index}`, value: `value-${index}-ü😀` });
    expect(db.digest()).toHaveLength(32);
    expect(hex(db.digest())).toBe(hex(createPancydb(db.snapshot()).digest()));
  });
});

describe('pancydb snapshot and restore', () => {
  it('snapshot lists entries sorted by UTF-16 code unit order', () => {
    // U+1F600 is stored as surrogates D83D DE00, which sort below U+FF61 by code unit.
    const keys = ['b', '\uFF61', 'a', '\u{1F600}', 'B', ''];
    const db = storeAfter(keys.map((key) => ({ type: 'put', key, value: key })));
    expect(db.snapshot().entries.map(([key]) => key)).toStrictEqual(['', 'B', 'a', 'b', '\u{1F600}', '\uFF61']);
  });

  it('round-trips: a store restored from a snapshot has the same digest, reads and counters', () => {
    const db = storeAfter([...SEEDED, { type: 'put', key: 'c', value: 'z' }, { type: 'remove', key: 'b' }]);
    const copy = createPancydb(db.snapshot());
    expect(copy.snapshot()).toStrictEqual(db.snapshot());
    expect(hex(copy.digest())).toBe(hex(db.digest()));
    expect(copy.nextVersion).toBe(5);
    expect(copy.size).toBe(2);
    expect(copy.read('a')).toStrictEqual({ value: 'x', version: 1 });
    expect(copy.read('b')).toBeUndefined();
  });

  it('a snapshot is frozen and unaffected by later writes', () => {
    const db = storeAfter(SEEDED);
    const snapshot = db.snapshot();
    db.execute({ type: 'put', key: 'a', value: 'changed' });
    db.execute({ type: 'remove', key: 'b' });
    expect(snapshot).toStrictEqual({ nextVersion: 3, entries: [['a', 'x', 1], ['b', 'y', 2]] });
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(snapshot.entries)).toBe(true);
    expect(Object.isFrozen(snapshot.entries[0])).toBe(true);
  });

  it('restore copies: mutating the source snapshot afterwards does not change the store', () => {
    const entries: [string, string, number][] = [['a', 'x', 1]];
    const source = { nextVersion: 2, entries };
    const db = createPancydb();
    db.restore(source);
    entries[0]![1] = 'mutated';
    entries.push(['b', 'y', 1]);
    source.nextVersion = 9;
    expect(db.snapshot()).toStrictEqual({ nextVersion: 2, entries: [['a', 'x', 1]] });
  });

  it('restore replaces the whole state, dropping keys absent from the snapshot', () => {
    const db = storeAfter([...SEEDED, { type: 'put', key: 'c', value: 'z' }]);
    db.restore({ nextVersion: 2, entries: [['q', 'w', 1]] });
    expect(db.snapshot()).toStrictEqual({ nextVersion: 2, entries: [['q', 'w', 1]] });
    expect(db.read('a')).toBeUndefined();
  });

  it.each<[string, PancydbSnapshot]>([
    ['nextVersion 0', { nextVersion: 0, entries: [] }],
    ['unsorted keys', { nextVersion: 3, entries: [['b', '', 1], ['a', '', 2]] }],
    ['duplicate keys', { nextVersion: 3, entries: [['a', '', 1], ['a', '', 2]] }],
    ['a version not below nextVersion', { nextVersion: 2, entries: [['a', '', 2]] }],
    ['a version 0 entry', { nextVersion: 2, entries: [['a', '', 0]] }],
  ])('restore rejects a snapshot with %s and keeps the old state', (_, bad) => {
    const db = storeAfter(SEEDED);
    expect(() => db.restore(bad)).toThrow(/snapshot/);
    expect(db.snapshot()).toStrictEqual(storeAfter(SEEDED).snapshot());
  });
});

describe('pancydb execute: input from JavaScript is checked at the boundary, naming the field', () => {
  const cases: [string, unknown, ErrorConstructor, string][] = [
    ['not an object', 'put a x', TypeError, `operation: expected an object such as { type: 'get', key: 'a' }, got "put a x"`],
    ['null', null, TypeError, 'operation: expected an object'],
    ['no type', { key: 'a' }, TypeError, 'operation.type: expected one of get, put, cas, remove, got undefined'],
    ['unknown type', { type: 'delete', key: 'a' }, TypeError, 'operation.type: expected one of get, put, cas, remove, got "delete"'],
    ['put without key or value', { type: 'put' }, TypeError, 'operation.key: expected a string, got undefined'],
    ['put without value', { type: 'put', key: 'a' }, TypeError, 'operation.value: expected a string, got undefined'],
    ['key a number', { type: 'get', key: 7 }, TypeError, 'operation.key: expected a string, got 7'],
    ['value an object', { type: 'put', key: 'a', value: { x: 1 } }, TypeError, 'operation.value: expected a string, got an object'],
    ['cas without expected', { type: 'cas', key: 'a', desired: 'y' }, TypeError, 'operation.expected: expected a string, got undefined'],
    ['cas without desired', { type: 'cas', key: 'a', expected: 'x' }, TypeError, 'operation.desired: expected a string, got undefined'],
    ['versionMatch a string', { type: 'put', key: 'a', value: 'x', versionMatch: '1' }, TypeError, 'operation.versionMatch: expected a whole number >= -1, got "1"'],
    ['versionMatch 1.5', { type: 'remove', key: 'a', versionMatch: 1.5 }, TypeError, 'operation.versionMatch: expected a whole number >= -1, got 1.5'],
    ['versionMatch NaN', { type: 'remove', key: 'a', versionMatch: Number.NaN }, TypeError, 'operation.versionMatch: expected a whole number >= -1, got NaN'],
    ['versionMatch -2', { type: 'put', key: 'a', value: 'x', versionMatch: -2 }, RangeError, 'operation.versionMatch: expected a whole number >= -1 and <= 9007199254740990, got -2'],
    ['versionMatch past 2^53-2', { type: 'put', key: 'a', value: 'x', versionMatch: Number.MAX_SAFE_INTEGER }, RangeError, 'operation.versionMatch: expected a whole number >= -1'],
    ['lone surrogate in a value', { type: 'put', key: 'k', value: '\uD800' }, RangeError, 'operation.value: expected well-formed UTF-16, got a lone surrogate'],
    ['lone surrogate in a key', { type: 'get', key: 'a\uDC00' }, RangeError, 'operation.key: expected well-formed UTF-16'],
    ['a field another type has', { type: 'get', key: 'a', value: 'x' }, TypeError, 'operation.value: not a field of a get (fields: type, key)'],
    ['a misspelt field', { type: 'put', key: 'a', value: 'x', version: 1 }, TypeError, 'operation.version: not a field of a put'],
  ];

  it.each(cases)('%s', (_, operation, kind, message) => {
    const db = storeAfter(SEEDED);
    const before = hex(db.digest());
    const call = () => db.execute(operation as Operation);
    expect(call).toThrow(kind);
    expect(call).toThrow(message);
    // Nothing changed, and the state still hashes.
    expect(hex(db.digest())).toBe(before);
    expect(db.nextVersion).toBe(3);
  });

  it('accepts versionMatch -1, 0 and an explicit undefined', () => {
    const db = storeAfter(SEEDED);
    expect(db.execute({ type: 'put', key: 'a', value: 'p', versionMatch: -1 }).status).toBe('ok');
    expect(db.execute({ type: 'put', key: 'new', value: 'q', versionMatch: 0 }).status).toBe('ok');
    expect(db.execute({ type: 'remove', key: 'b', versionMatch: undefined } as unknown as Operation).status).toBe('ok');
  });
});
