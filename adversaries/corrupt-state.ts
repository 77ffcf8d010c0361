// corrupt-state: a replica whose state goes bad.
//
// Fault model: Byzantine state (a bit flip, a bug, an intruder). At `atS` (and then
// every `everyS`, if set) the replica rewrites its own Pancydb state: values of some
// keys, their versions and the version counter. Then it goes on honestly from the
// corrupted state, so its REPLYs carry wrong results and its CHECKPOINTs wrong digests.
// Attacks: reply integrity and state agreement. A client accepts a result only from
// f+1 matching replies (OSDI'99 §4.1), and a checkpoint becomes stable only with 2f+1
// matching digests (§4.3), so one replica's bad state reaches neither clients nor the
// stable checkpoints that state transfer and view change build on.
import { defineAdversary } from '../src/adversary/adversary.ts';
import type { PancydbSnapshot } from '../src/core/pancydb.ts';

type Corruption = 'values' | 'versions' | 'both';

/** A key written when the store is still empty, so that corruption always changes something. */
const PLANTED_KEY = 'corrupt-state';

export default defineAdversary({
  name: 'corrupt-state',
  faultModel: 'Byzantine state: rewrites its own store (values, versions, the version counter), then runs honestly on it',
  attacks: 'reply integrity (f+1 matching replies, §4.1) and state agreement (2f+1 matching checkpoint digests, §4.3)',
  options: {
    atS: { kind: 'number', default: 2, min: 0, doc: 'simulated second of the (first) corruption' },
    everyS: { kind: 'number', default: 0, min: 0, doc: 'corrupt again this often after atS; 0 means once' },
    corrupt: { kind: 'choice', values: ['values', 'versions', 'both'] as const, default: 'both', doc: 'what to change: values of keys, versions (and the version counter), or both' },
    keys: { kind: 'integer', default: 5, min: 1, doc: 'how many keys to change (chosen at random among the stored ones)' },
  },
  create(api, options) {
    let nextCorruptionMs = options.atS * 1000;

    /** The corrupted copy of a snapshot: still a state Pancydb could hold (restore checks it). */
    const corrupted = (snapshot: PancydbSnapshot, how: Corruption): PancydbSnapshot => {
      const entries = snapshot.entries.map((entry) => [...entry] as [string, string, number]);
      if (entries.length === 0) entries.push([PLANTED_KEY, '', snapshot.nextVersion]);
      let nextVersion = Math.max(snapshot.nextVersion, ...entries.map(([, , version]) => version + 1));
      const indexes = new Set<number>();
      while (indexes.size < Math.min(options.keys, entries.length)) indexes.add(api.rng.int(0, entries.length - 1));
      for (const index of [...indexes].sort((a, b) => a - b)) {
        const entry = entries[index]!;
        if (how !== 'versions') entry[1] = `${entry[1]}~corrupt`;
        if (how !== 'values') entry[2] = nextVersion++;
      }
      // Versions are handed out from a counter that now runs ahead of the correct replicas'.
      if (how !== 'values') nextVersion += 1 + api.rng.int(0, 9);
      return { nextVersion, entries };
    };

    const corruptNow = (nowMs: number): void => {
      const store = api.replica.store;
      const before = store.snapshot();
      store.restore(corrupted(before, options.corrupt));
      api.note(`corrupted ${Math.min(options.keys, Math.max(1, before.entries.length))} keys (${options.corrupt}); nextVersion ${before.nextVersion} -> ${store.nextVersion}`);
      nextCorruptionMs = options.everyS > 0 ? nowMs + options.everyS * 1000 : Infinity;
    };

    return {
      step: (input) => {
        if (input.nowMs >= nextCorruptionMs) corruptNow(input.nowMs);
        // From here on it is honest: the lie is in the state, not in the messages.
        return api.step(input);
      },
    };
  },
});
