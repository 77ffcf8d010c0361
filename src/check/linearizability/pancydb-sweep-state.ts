// The mutable state of the version sweep (pancydb-sweep.ts), with an undo trail so
// the search can back up to a choice point without copying the store. Changes are
// only logged while some choice point is open; until the first one, nothing can be
// undone and nothing is logged.
import { combineHashes, stringHash } from './bitset.ts';
import { ABSENT_KEY, type KeyState } from './pancydb-spec.ts';

interface KeyEntry {
  readonly state: KeyState;
  /** The operation (index) that produced this state, for explanations. */
  readonly writer: number;
}

export class SweepState {
  /** The last version handed out: successful writes placed so far. */
  version = 0;
  /** Two independent hashes of the whole store, XOR-updated per entry. */
  storeHashHigh = 0;
  storeHashLow = 0;
  readonly called: Uint8Array;
  readonly placed: Uint8Array;
  readonly satisfied: Uint8Array;
  /** Removes and unknown-outcome writes that are called and not yet placed. */
  readonly pool = new Set<number>();
  /** Placed removes not yet returned, and placed unknown-outcome writes. */
  readonly placedOpen = new Set<number>();
  /** Satisfied observations not yet returned. */
  readonly satisfiedOpen = new Set<number>();
  /** Observations called and not yet returned, by key. */
  readonly openObservations = new Map<string, Set<number>>();
  readonly #store = new Map<string, KeyEntry>();
  readonly #trail: (() => void)[] = [];
  recording = false;

  constructor(size: number) {
    this.called = new Uint8Array(size);
    this.placed = new Uint8Array(size);
    this.satisfied = new Uint8Array(size);
  }

  key(key: string): KeyState {
    return this.#store.get(key)?.state ?? ABSENT_KEY;
  }

  writerOf(key: string): number {
    return this.#store.get(key)?.writer ?? -1;
  }

  setKey(key: string, state: KeyState, writer: number): void {
    const before = this.#store.get(key);
    this.#toggleHash(key, before?.state);
    this.#toggleHash(key, state);
    if (state.version === 0) this.#store.delete(key);
    else this.#store.set(key, { state, writer });
    this.#log(() => {
      this.#toggleHash(key, state);
      this.#toggleHash(key, before?.state);
      if (before === undefined) this.#store.delete(key);
      else this.#store.set(key, before);
    });
  }

  setVersion(version: number): void {
    const before = this.version;
    this.version = version;
    this.#log(() => (this.version = before));
  }

  flag(flags: Uint8Array, index: number): void {
    flags[index] = 1;
    this.#log(() => (flags[index] = 0));
  }

  add<T>(set: Set<T>, item: T): void {
    if (set.has(item)) return;
    set.add(item);
    this.#log(() => set.delete(item));
  }

  delete<T>(set: Set<T>, item: T): void {
    if (!set.delete(item)) return;
    this.#log(() => set.add(item));
  }

  openObservationsOf(key: string): Set<number> {
    let set = this.openObservations.get(key);
    if (set === undefined) {
      set = new Set();
      this.openObservations.set(key, set);
    }
    return set;
  }

  mark(): number {
    return this.#trail.length;
  }

  undoTo(mark: number): void {
    while (this.#trail.length > mark) this.#trail.pop()!();
  }

  /** Everything that decides the future of the search, as one string. */
  memoKey(event: number, goal: number): string {
    const sorted = (set: Set<number>): string => [...set].sort((a, b) => a - b).join(',');
    return `${event}|${goal}|${this.version}|${this.storeHashHigh}|${this.storeHashLow}|${sorted(this.placedOpen)}|${sorted(this.satisfiedOpen)}`;
  }

  #log(undo: () => void): void {
    if (this.recording) this.#trail.push(undo);
  }

  #toggleHash(key: string, state: KeyState | undefined): void {
    if (state === undefined || state.version === 0) return;
    const keyHash = stringHash(key);
    const valueHash = stringHash(state.value);
    this.storeHashHigh ^= combineHashes(combineHashes(keyHash, valueHash), state.version);
    this.storeHashLow ^= combineHashes(combineHashes(state.version, valueHash ^ 0x5f356495), keyHash);
  }
}
