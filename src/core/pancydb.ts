// Pancydb: the versioned key-value state machine that PBFT replicates.
//
// Every replica executes the same committed operations in the same order, so this
// module must be deterministic: no clock, no randomness, no iteration-order effects.
// The digest is what replicas compare at checkpoints (Castro & Liskov, OSDI'99 §4.3),
// so two replicas in the same state must produce the same bytes, and two replicas in
// different states must not.
//
// Versions: one database-wide counter `nextVersion`, starting at 1. Each successful
// put, cas or remove consumes exactly one version; failed operations consume none.
// An absent key reads as value "" at version 0.

import { sha256 } from '@noble/hashes/sha2.js';
import { validateOperation, type GetResult, type Operation, type OperationResult, type WriteResult } from './operations.ts';

/** Entries are sorted by key in UTF-16 code unit order (the default string order). */
export interface PancydbSnapshot {
  readonly nextVersion: number;
  readonly entries: readonly (readonly [key: string, value: string, version: number])[];
}

export interface PancydbEntry {
  readonly value: string;
  readonly version: number;
}

export interface Pancydb {
  /** Throws a TypeError or RangeError naming the field (`operation.key`) for a malformed operation, changing nothing. */
  execute(op: Operation): OperationResult;
  /** SHA-256 of `encodePancydbState(this.snapshot())`. */
  digest(): Uint8Array;
  /** An immutable copy: later operations do not change it. */
  snapshot(): PancydbSnapshot;
  /** Replaces the whole state with a copy of `snapshot`. */
  restore(snapshot: PancydbSnapshot): void;
  readonly nextVersion: number;
  /** Number of present keys. */
  readonly size: number;
  /** For checkers: the stored entry (frozen), or undefined when the key is absent. */
  read(key: string): PancydbEntry | undefined;
  /**
   * The results `ops` would give, run in order from the current state, which stays as it
   * is (tentative execution, tentative.ts): an overlay takes their writes.
   */
  speculate(ops: readonly Operation[]): OperationResult[];
}

const FIRST_VERSION = 1;
const ANY_VERSION = -1;
const ABSENT: PancydbEntry = Object.freeze({ value: '', version: 0 });

/**
 * @example
 * const db = createPancydb();
 * db.execute({ type: 'put', key: 'a', value: 'x' }); // { status: 'ok', actual: '', previousVersion: 0, version: 1 }
 * db.execute({ type: 'get', key: 'a' });             // { status: 'ok', value: 'x', version: 1 }
 */
export function createPancydb(snapshot?: PancydbSnapshot): Pancydb {
  const db = new MapPancydb();
  if (snapshot !== undefined) db.restore(snapshot);
  return db;
}

/**
 * What an operation reads and writes: the entries and the version counter. The store
 * applies operations to its own state; a speculation (speculate) to an overlay on it.
 */
interface OperationState {
  get(key: string): PancydbEntry | undefined;
  set(key: string, entry: PancydbEntry): void;
  delete(key: string): void;
  nextVersion: number;
}

class MapPancydb implements Pancydb {
  #entries = new Map<string, PancydbEntry>();
  #nextVersion = FIRST_VERSION;
  readonly #state: OperationState;

  constructor() {
    // The accessors below run with the literal as `this`; they need the store.
    const db = this;
    this.#state = {
      get: (key) => db.#entries.get(key),
      set: (key, entry) => void db.#entries.set(key, entry),
      delete: (key) => void db.#entries.delete(key),
      get nextVersion(): number {
        return db.#nextVersion;
      },
      set nextVersion(value: number) {
        db.#nextVersion = value;
      },
    };
  }

  get nextVersion(): number {
    return this.#nextVersion;
  }

  get size(): number {
    return this.#entries.size;
  }

  read(key: string): PancydbEntry | undefined {
    return this.#entries.get(key);
  }

  execute(op: Operation): OperationResult {
    return apply(this.#state, op);
  }

  speculate(ops: readonly Operation[]): OperationResult[] {
    const changes = new Map<string, PancydbEntry | null>();
    const overlay: OperationState = {
      get: (key) => {
        const changed = changes.get(key);
        return changed === null ? undefined : (changed ?? this.#entries.get(key));
      },
      set: (key, entry) => void changes.set(key, entry),
      delete: (key) => void changes.set(key, null),
      nextVersion: this.#nextVersion,
    };
    return ops.map((op) => apply(overlay, op));
  }

  digest(): Uint8Array {
    return sha256(encodePancydbState(this.snapshot()));
  }

  snapshot(): PancydbSnapshot {
    const keys = [...this.#entries.keys()].sort();
    const entries = keys.map((key) => {
      const entry = this.#entries.get(key);
      assert(entry !== undefined, 'snapshot: key listed but missing');
      return Object.freeze([key, entry.value, entry.version] as const);
    });
    return Object.freeze({ nextVersion: this.#nextVersion, entries: Object.freeze(entries) });
  }

  restore(snapshot: PancydbSnapshot): void {
    assertValidSnapshot(snapshot);
    const entries = new Map<string, PancydbEntry>();
    for (const [key, value, version] of snapshot.entries) entries.set(key, Object.freeze({ value, version }));
    this.#entries = entries;
    this.#nextVersion = snapshot.nextVersion;
  }
}

/** One operation against `state`: the whole semantics of Pancydb. */
function apply(state: OperationState, op: Operation): OperationResult {
  // Callers outside TypeScript can pass anything; refuse it before it touches the state.
  validateOperation(op);
  switch (op.type) {
    case 'get': {
      const current = state.get(op.key) ?? ABSENT;
      return { status: 'ok', value: current.value, version: current.version } satisfies GetResult;
    }
    case 'put': {
      const current = state.get(op.key) ?? ABSENT;
      if (!versionMatches(op.versionMatch, current.version)) return noMatch(current);
      return write(state, op.key, op.value, current);
    }
    case 'cas': {
      const current = state.get(op.key) ?? ABSENT;
      if (current.value !== op.expected) return noMatch(current);
      if (!versionMatches(op.versionMatch, current.version)) return noMatch(current);
      return write(state, op.key, op.desired, current);
    }
    case 'remove': {
      // Absence is reported before the version check: there is nothing to match against.
      const current = state.get(op.key);
      if (current === undefined) return { status: 'not_found', actual: '', previousVersion: 0, version: 0 };
      if (!versionMatches(op.versionMatch, current.version)) return noMatch(current);
      state.delete(op.key);
      // A remove is a successful write, so it consumes a version even though the key
      // ends at version 0: a later put must not reuse a version a client has seen.
      state.nextVersion += 1;
      return { status: 'ok', actual: '', previousVersion: current.version, version: 0 };
    }
    default:
      return assertNever(op);
  }
}

function write(state: OperationState, key: string, value: string, current: PancydbEntry): WriteResult {
  const version = state.nextVersion;
  state.nextVersion += 1;
  state.set(key, Object.freeze({ value, version }));
  return { status: 'ok', actual: '', previousVersion: current.version, version };
}

function versionMatches(versionMatch: number | undefined, version: number): boolean {
  if (versionMatch === undefined || versionMatch === ANY_VERSION) return true;
  // The gateway validates client input; reaching here with garbage is our bug.
  assert(Number.isSafeInteger(versionMatch) && versionMatch >= 0, `versionMatch must be an integer >= -1, got ${versionMatch}`);
  return versionMatch === version;
}

function noMatch(current: PancydbEntry): WriteResult {
  return { status: 'no_match', actual: current.value, previousVersion: current.version, version: current.version };
}

/** A snapshot from a state transfer must describe a state this module could have reached. */
function assertValidSnapshot(snapshot: PancydbSnapshot): void {
  const { nextVersion, entries } = snapshot;
  assert(Number.isSafeInteger(nextVersion) && nextVersion >= FIRST_VERSION, `snapshot.nextVersion must be an integer >= 1, got ${nextVersion}`);
  let previousKey: string | undefined;
  for (const [key, , version] of entries) {
    assert(previousKey === undefined || previousKey < key, `snapshot.entries must be sorted by key with no duplicates, at ${JSON.stringify(key)}`);
    assert(Number.isSafeInteger(version) && version >= FIRST_VERSION && version < nextVersion, `snapshot entry ${JSON.stringify(key)} has version ${version} outside [1, ${nextVersion})`);
    previousKey = key;
  }
}

// Canonical encoding, all integers big-endian:
//   "pancydb-state-v1" (16 ASCII bytes, so this encoding cannot be mistaken for another)
//   nextVersion u64, entry count u32,
//   per entry in key order: key length u32, key UTF-8, value length u32, value UTF-8, version u64.
// Every string is length-prefixed, so the byte stream parses back to exactly one state.

const STATE_TAG = new TextEncoder().encode('pancydb-state-v1');
const U32_BYTES = 4;
const U64_BYTES = 8;
const ENTRY_FIXED_BYTES = 2 * U32_BYTES + U64_BYTES;
// A UTF-16 code unit never needs more than 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes).
const UTF8_BYTES_PER_CODE_UNIT_MAX = 3;
const LONE_SURROGATE = /\p{Cs}/u;
const utf8 = new TextEncoder();

/**
 * The bytes that `digest()` hashes; exported so checkpoint digests can include them.
 * @example
 * sha256(encodePancydbState(db.snapshot())); // equals db.digest()
 */
export function encodePancydbState(snapshot: PancydbSnapshot): Uint8Array {
  const bytes = new Uint8Array(encodedSizeMax(snapshot));
  const view = new DataView(bytes.buffer);
  bytes.set(STATE_TAG, 0);
  let offset = STATE_TAG.length;
  offset = writeU64(view, offset, snapshot.nextVersion);
  view.setUint32(offset, snapshot.entries.length);
  offset += U32_BYTES;
  for (const [key, value, version] of snapshot.entries) {
    offset = writeString(bytes, view, offset, key);
    offset = writeString(bytes, view, offset, value);
    offset = writeU64(view, offset, version);
  }
  return bytes.subarray(0, offset);
}

/** Upper bound, so the buffer is allocated once and filled in a single pass. */
function encodedSizeMax(snapshot: PancydbSnapshot): number {
  let size = STATE_TAG.length + U64_BYTES + U32_BYTES;
  for (const [key, value] of snapshot.entries) {
    size += ENTRY_FIXED_BYTES + UTF8_BYTES_PER_CODE_UNIT_MAX * (key.length + value.length);
  }
  return size;
}

function writeString(bytes: Uint8Array, view: DataView, offset: number, text: string): number {
  const { written } = utf8.encodeInto(text, bytes.subarray(offset + U32_BYTES));
  // UTF-8 maps every lone surrogate to U+FFFD, so two different states could encode
  // alike. The gateway must reject such strings; one reaching here is our bug.
  // One byte per code unit means pure ASCII, which skips the slower scan.
  const ascii = written === text.length;
  assert(ascii || !LONE_SURROGATE.test(text), `string ${JSON.stringify(text)} is not well-formed UTF-16`);
  view.setUint32(offset, written);
  return offset + U32_BYTES + written;
}

function writeU64(view: DataView, offset: number, value: number): number {
  assert(Number.isSafeInteger(value) && value >= 0, `version must be a non-negative safe integer, got ${value}`);
  view.setBigUint64(offset, BigInt(value));
  return offset + U64_BYTES;
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`pancydb: ${message}`);
}

function assertNever(value: never): never {
  throw new Error(`pancydb: unexpected operation ${JSON.stringify(value)}`);
}
