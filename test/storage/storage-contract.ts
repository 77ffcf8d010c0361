// The behaviour every Storage must show, run against the disk and the simulated one alike,
// so the simulator tests the same contract the deployed replica relies on.
import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/storage.ts';

export interface StorageHarness {
  /** A fresh, empty storage, not yet recovered. */
  create(): Storage;
  /** The same durable state after a restart that tears nothing: a storage to recover again. */
  restart(storage: Storage): Storage;
  /** Removes what create() made (temporary directories). */
  cleanup(): void;
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const textOf = (records: readonly Uint8Array[]): string[] => records.map((record) => new TextDecoder().decode(record));

export function describeStorageContract(implementation: string, harness: StorageHarness): void {
  describe(`storage contract: ${implementation}`, () => {
    afterEach(() => harness.cleanup());

    /** A storage that has already recovered (empty). */
    function open(): Storage {
      const storage = harness.create();
      expect(storage.recover()).toEqual({ records: [], tornTail: false });
      return storage;
    }

    it('a fresh storage recovers no records and no torn tail, in one segment', () => {
      const storage = open();
      expect(storage.segments()).toEqual([1]);
    });

    it('a segment of more records than one call may take as arguments comes back whole', () => {
      // A segment spans the records between two stable checkpoints; every restart re-logs
      // the entries above h and every view may re-propose L of them, so its length has no
      // bound. Spreading them into one push() threw RangeError at ~150,000 in the CLI.
      const storage = open();
      const count = argumentLimit();
      for (let i = 0; i < count; i++) {
        storage.append(new Uint8Array(0));
        if (i % 10_000 === 0) storage.sync(); // one event-loop turn's records per sync
      }
      storage.append(bytesOf('last'));
      storage.sync();
      const { records } = harness.restart(storage).recover();
      expect(records).toHaveLength(count + 1);
      expect(textOf(records.slice(count))).toEqual(['last']);
    });

    it('synced records come back after a restart, in order and byte for byte', () => {
      const storage = open();
      const big = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 0xff);
      const records = [bytesOf('pre-prepare 1'), new Uint8Array(0), big, bytesOf('commit 1')];
      for (const record of records) storage.append(record);
      storage.sync();
      const recovered = harness.restart(storage).recover();
      expect(recovered.tornTail).toBe(false);
      expect(recovered.records).toEqual(records);
    });

    it('records appended but not synced are lost in a restart', () => {
      const storage = open();
      storage.append(bytesOf('a'));
      storage.sync();
      storage.append(bytesOf('b'));
      storage.append(bytesOf('c'));
      expect(textOf(harness.restart(storage).recover().records)).toEqual(['a']);
    });

    it('one sync makes every record appended before it durable (group commit)', () => {
      const storage = open();
      const texts = Array.from({ length: 100 }, (_, i) => `record ${i}`);
      for (const text of texts) storage.append(bytesOf(text));
      storage.sync();
      expect(textOf(harness.restart(storage).recover().records)).toEqual(texts);
    });

    it('syncInBackground: done runs once the records appended before it are durable; later ones are not covered', async () => {
      const storage = open();
      storage.append(bytesOf('a'));
      storage.append(bytesOf('b'));
      const error = await new Promise<Error | undefined>((resolve) => {
        storage.syncInBackground(resolve);
        storage.append(bytesOf('after'));
      });
      expect(error).toBeUndefined();
      expect(textOf(harness.restart(storage).recover().records)).toEqual(['a', 'b']);
    });

    it('appends after a recovery follow the records recovered', () => {
      let storage = open();
      storage.append(bytesOf('first run'));
      storage.sync();
      storage = harness.restart(storage);
      storage.recover();
      storage.append(bytesOf('second run'));
      storage.sync();
      expect(textOf(harness.restart(storage).recover().records)).toEqual(['first run', 'second run']);
    });

    it('the storage keeps no reference to the bytes it was given or returned', () => {
      const storage = open();
      const record = bytesOf('original');
      storage.append(record);
      record[0] = 0;
      storage.sync();
      const restarted = harness.restart(storage);
      const [recovered] = restarted.recover().records;
      expect(textOf([recovered!])).toEqual(['original']);
      recovered![0] = 0;
      expect(textOf(harness.restart(restarted).recover().records)).toEqual(['original']);
    });

    it('rotate syncs and starts a new segment; recovery reads all segments in order', () => {
      const storage = open();
      storage.append(bytesOf('in 1'));
      expect(storage.rotate()).toBe(2);
      storage.append(bytesOf('in 2'));
      storage.sync();
      expect(storage.rotate()).toBe(3);
      expect(storage.segments()).toEqual([1, 2, 3]);
      const restarted = harness.restart(storage);
      expect(textOf(restarted.recover().records)).toEqual(['in 1', 'in 2']);
      expect(restarted.segments()).toEqual([1, 2, 3]);
    });

    it('rotate, checkpoint, drop: the old segments go, the checkpoint and newer records stay', () => {
      const storage = open();
      storage.append(bytesOf('covered by the checkpoint'));
      const boundary = storage.rotate();
      storage.append(bytesOf('after the checkpoint'));
      storage.writeCheckpoint('state', bytesOf('snapshot'));
      storage.dropSegmentsBefore(boundary);
      storage.sync();
      expect(storage.segments()).toEqual([2]);
      const restarted = harness.restart(storage);
      expect(textOf(restarted.recover().records)).toEqual(['after the checkpoint']);
      expect(textOf([restarted.readCheckpoint('state')!])).toEqual(['snapshot']);
    });

    it('dropping segments without a checkpoint written after the rotate is refused', () => {
      const storage = open();
      storage.writeCheckpoint('state', bytesOf('too early'));
      const boundary = storage.rotate();
      expect(() => storage.dropSegmentsBefore(boundary)).toThrow(/no checkpoint written since segment 2/);
      expect(() => storage.dropSegmentsBefore(3)).toThrow(RangeError);
      expect(storage.segments()).toEqual([1, 2]);
    });

    it('after a restart, dropping needs a checkpoint written in the new run', () => {
      const storage = open();
      const boundary = storage.rotate();
      storage.writeCheckpoint('state', bytesOf('s'));
      const restarted = harness.restart(storage);
      restarted.recover();
      expect(() => restarted.dropSegmentsBefore(boundary)).toThrow(/no checkpoint/);
      restarted.writeCheckpoint('state', bytesOf('s'));
      restarted.dropSegmentsBefore(boundary);
      expect(restarted.segments()).toEqual([2]);
    });

    it('a checkpoint is absent until written, replaced by a rewrite, and survives a restart', () => {
      const storage = open();
      expect(storage.readCheckpoint('state')).toBeUndefined();
      storage.writeCheckpoint('state', bytesOf('old'));
      storage.writeCheckpoint('state', bytesOf('new'));
      storage.writeCheckpoint('other', new Uint8Array(0));
      expect(textOf([storage.readCheckpoint('state')!])).toEqual(['new']);
      const restarted = harness.restart(storage);
      restarted.recover();
      expect(textOf([restarted.readCheckpoint('state')!])).toEqual(['new']);
      expect(restarted.readCheckpoint('other')).toEqual(new Uint8Array(0));
    });

    it('a checkpoint name that is not a plain file name is refused, naming the argument', () => {
      const storage = open();
      for (const name of ['', '../escape', 'a/b', '.hidden', 'x'.repeat(65)]) {
        expect(() => storage.writeCheckpoint(name, bytesOf('x'))).toThrow(/checkpoint name/);
      }
    });

    it('using the storage before recover() is refused', () => {
      const storage = harness.create();
      expect(() => storage.append(bytesOf('x'))).toThrow(/recover\(\) first/);
      expect(() => storage.sync()).toThrow(/recover\(\) first/);
      storage.recover();
      expect(() => storage.recover()).toThrow(/already open/);
    });
  });
}

/** The smallest power of two of arguments this thread's stack refuses in one call. */
function argumentLimit(): number {
  for (let count = 1 << 16; ; count *= 2) {
    try {
      ([] as unknown[]).push(...new Array<undefined>(count));
    } catch {
      return count;
    }
  }
}
