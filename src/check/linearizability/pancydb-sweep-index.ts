// What the version sweep (pancydb-sweep.ts) looks up about the whole history, built
// once: the events in time order, and per version who names it, who needs it current,
// and who replaces it; per key, the versions of its successful puts and cases.
import type { ClassifiedHistory } from './pancydb-classify.ts';
import type { PancydbOperation } from './pancydb-violation.ts';

export interface SweepEvent {
  readonly operation: number;
  readonly isCall: boolean;
}

export class SweepIndex {
  readonly events: readonly SweepEvent[];
  /** Gap versions some output names, with the key (and value) that must fill them. */
  readonly #named = new Map<number, { key: string; value: string | undefined }[]>();
  /** Per version, the two latest call events of operations that need it current. */
  readonly #lastNeeded = new Map<number, { event: number; operation: number }[]>();
  /** Per version, the known successful write reporting it as its previousVersion. */
  readonly #replacerOf = new Map<number, number>();
  readonly #versionsByKey = new Map<string, number[]>();
  readonly #allVersions: number[];

  constructor(readonly history: ClassifiedHistory) {
    this.events = timeOrderedEvents(history.operations);
    this.#allVersions = [...history.versioned.keys()].sort((a, b) => a - b);
    for (const version of this.#allVersions) {
      const key = history.operations[history.versioned.get(version)!]!.input.key;
      const versions = this.#versionsByKey.get(key) ?? [];
      versions.push(version);
      this.#versionsByKey.set(key, versions);
    }
    history.operations.forEach((operation, index) => this.#indexOperation(operation, index));
    this.events.forEach(({ operation, isCall }, event) => {
      const version = isCall ? this.#namedVersion(operation) : 0;
      if (version === 0) return;
      // Events are in time order, so the latest two calls are the last two seen.
      this.#lastNeeded.set(version, [{ event, operation }, ...(this.#lastNeeded.get(version) ?? [])].slice(0, 2));
    });
  }

  namedAt(version: number): readonly { key: string; value: string | undefined }[] | undefined {
    return this.#named.get(version);
  }

  replacerOf(version: number): number | undefined {
    return this.#replacerOf.get(version);
  }

  /** True if an operation other than `index`, not called by `event`, needs `version` current. */
  neededLater(version: number, index: number, event: number): boolean {
    if (version === 0) return false;
    const latest = this.#lastNeeded.get(version)?.find((entry) => entry.operation !== index);
    return latest !== undefined && latest.event > event;
  }

  /** The first put/cas version above `version`, if any. */
  nextVersionAfter(version: number): number | undefined {
    return this.#allVersions[countAtOrBelow(this.#allVersions, version)];
  }

  /** Versions strictly between `low` and `high` that no put/cas reported. */
  gapsBetween(low: number, high: number): number {
    const versions = this.#allVersions;
    return Math.max(0, high - low - 1) - (countAtOrBelow(versions, high - 1) - countAtOrBelow(versions, low));
  }

  /**
   * For a remove of `key` placed after `slot`: the version before which the key must be
   * absent (the next put/cas to it reports previousVersion 0), else +infinity.
   */
  absentBy(key: string, slot: number): number {
    const versions = this.#versionsByKey.get(key) ?? [];
    const next = versions[countAtOrBelow(versions, slot)];
    if (next === undefined) return Number.POSITIVE_INFINITY;
    const output = this.history.operations[this.history.versioned.get(next)!]!.output!;
    return 'actual' in output && output.previousVersion === 0 ? next : Number.POSITIVE_INFINITY;
  }

  #indexOperation(operation: PancydbOperation, index: number): void {
    const output = operation.output;
    const role = this.history.roles[index];
    if (output === undefined) return;
    if ((role === 'versioned' || role === 'remove') && 'actual' in output && output.previousVersion > 0) {
      this.#replacerOf.set(output.previousVersion, index);
    }
    const version = this.#namedVersion(index);
    if (version === 0 || this.history.versioned.has(version)) return;
    const value = role !== 'observation' ? undefined : 'actual' in output ? output.actual : output.value;
    this.#named.set(version, [...(this.#named.get(version) ?? []), { key: operation.input.key, value }]);
  }

  /** The version an operation's output names (seen, or replaced), or 0. */
  #namedVersion(index: number): number {
    const output = this.history.operations[index]!.output;
    if (output === undefined) return 0;
    if (this.history.roles[index] === 'observation') return output.version;
    return 'actual' in output ? output.previousVersion : 0;
  }
}

/** Calls before returns at equal times (equal times are concurrent); no return for unknown outcomes. */
function timeOrderedEvents(operations: readonly PancydbOperation[]): SweepEvent[] {
  const events: { time: number; operation: number; isCall: boolean }[] = [];
  operations.forEach((operation, index) => {
    events.push({ time: operation.callMs, operation: index, isCall: true });
    if (operation.returnMs !== undefined) events.push({ time: operation.returnMs, operation: index, isCall: false });
  });
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.operation - b.operation);
  return events.map(({ operation, isCall }) => ({ operation, isCall }));
}

/** How many numbers in ascending `sorted` are at or below `bound`: the index of the first above it. */
export function countAtOrBelow(sorted: readonly number[], bound: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= bound) low = middle + 1;
    else high = middle;
  }
  return low;
}
