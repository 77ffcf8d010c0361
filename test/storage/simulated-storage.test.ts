// SimulatedStorage: the shared contract, then its crash model on many seeds: unsynced records
// lost, synced ones kept, a torn tail cut on recover, damage elsewhere refused, one seed one crash.
import { describe, expect, it } from 'vitest';
import { type RandomSource, SimulatedStorage } from '../../src/storage/simulated-storage.ts';
import { RECORD_HEADER_BYTES, WalCorruptError } from '../../src/storage/wal-format.ts';
import { describeStorageContract } from './storage-contract.ts';

const neverTear: RandomSource = { next: () => 0.999 };

describeStorageContract('simulated', {
  create: () => new SimulatedStorage({ tornTailProbability: 0 }),
  restart: (storage) => {
    (storage as SimulatedStorage).crash(neverTear);
    return storage;
  },
  cleanup: () => {},
});

/** mulberry32: a seeded source local to the tests, so they do not depend on src/sim. */
function seeded(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    next: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const textOf = (records: readonly Uint8Array[]): string[] => records.map((record) => new TextDecoder().decode(record));

/** Random batches, each synced or not, then a crash; returns the texts that were synced. */
function runUntilCrash(storage: SimulatedStorage, random: RandomSource): string[] {
  const synced: string[] = [];
  let unsynced: string[] = [];
  const batches = 1 + Math.floor(random.next() * 6);
  for (let batch = 0; batch < batches; batch++) {
    const size = Math.floor(random.next() * 4);
    for (let i = 0; i < size; i++) {
      const text = `b${batch}-r${i}-${'x'.repeat(Math.floor(random.next() * 40))}`;
      storage.append(bytesOf(text));
      unsynced.push(text);
    }
    if (random.next() < 0.5) {
      storage.sync();
      synced.push(...unsynced);
      unsynced = [];
    }
  }
  storage.crash(random);
  return synced;
}

describe('simulated storage: crashes', () => {
  it('a crash loses every unsynced record and keeps every synced one (300 seeds, 3 crashes each)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = seeded(seed);
      const storage = new SimulatedStorage({ label: `seed-${seed}` });
      storage.recover();
      const expected: string[] = [];
      for (let crash = 0; crash < 3; crash++) {
        expected.push(...runUntilCrash(storage, random));
        const recovered = storage.recover();
        expect(textOf(recovered.records), `reproduce with seed=${seed}`).toEqual(expected);
      }
    }
  });

  it('a torn first unsynced record is cut on recover, and later appends follow the last whole one', () => {
    const storage = new SimulatedStorage({ tornTailProbability: 1 });
    storage.recover();
    storage.append(bytesOf('synced'));
    storage.sync();
    const syncedBytes = storage.durableLengthBytes(1);
    storage.append(bytesOf('lost in the crash'));
    storage.crash(seeded(7));
    expect(storage.durableLengthBytes(1)).toBeGreaterThan(syncedBytes);
    expect(storage.recover()).toEqual({ records: [bytesOf('synced')], tornTail: true });
    expect(storage.durableLengthBytes(1)).toBe(syncedBytes);
    storage.append(bytesOf('after'));
    storage.sync();
    storage.crash(seeded(8));
    expect(storage.recover()).toEqual({ records: [bytesOf('synced'), bytesOf('after')], tornTail: false });
  });

  it('every tear, at every byte of the record, is recovered as a torn tail (100 seeds)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const storage = new SimulatedStorage({ tornTailProbability: 1 });
      storage.recover();
      storage.append(bytesOf('kept'));
      storage.sync();
      storage.append(new Uint8Array(20).fill(seed));
      storage.crash(seeded(seed));
      expect(storage.recover(), `reproduce with seed=${seed}`).toEqual({ records: [bytesOf('kept')], tornTail: true });
    }
  });

  it('the same seed replays the same crash, byte for byte', () => {
    const lengths = [1, 2].map(() => {
      const storage = new SimulatedStorage();
      storage.recover();
      runUntilCrash(storage, seeded(42));
      return storage.durableLengthBytes(1);
    });
    expect(lengths[0]).toBe(lengths[1]);
  });

  it('a damaged byte in an earlier record refuses to start, naming the segment and offset', () => {
    const storage = new SimulatedStorage({ label: 'replica-2' });
    storage.recover();
    for (const text of ['r0', 'r1', 'r2']) storage.append(bytesOf(text));
    storage.sync();
    const recordBytes = RECORD_HEADER_BYTES + 2;
    storage.corruptByte(1, recordBytes + RECORD_HEADER_BYTES);
    storage.crash(neverTear);
    expect(() => storage.recover()).toThrow(WalCorruptError);
    expect(() => storage.recover()).toThrow(`replica-2/wal-0000000001.log at byte offset ${recordBytes}: payload CRC mismatch`);
  });

  it('damage at the end of an earlier segment is refused, not taken for a torn tail', () => {
    const storage = new SimulatedStorage();
    storage.recover();
    storage.append(bytesOf('r0'));
    storage.rotate();
    storage.append(bytesOf('r1'));
    storage.sync();
    storage.corruptByte(1, storage.durableLengthBytes(1) - 1);
    storage.crash(neverTear);
    expect(() => storage.recover()).toThrow(/wal-0000000001\.log at byte offset 0/);
  });

  it('a crash keeps the checkpoint that was durable: the new one once writeCheckpoint returned', () => {
    const storage = new SimulatedStorage();
    storage.recover();
    storage.writeCheckpoint('state', bytesOf('old'));
    storage.crash(seeded(1));
    storage.recover();
    expect(textOf([storage.readCheckpoint('state')!])).toEqual(['old']);
    storage.writeCheckpoint('state', bytesOf('new'));
    storage.append(bytesOf('unsynced'));
    storage.crash(seeded(2));
    expect(storage.recover().records).toEqual([]);
    expect(textOf([storage.readCheckpoint('state')!])).toEqual(['new']);
  });

  it('a torn-tail probability outside [0, 1] is refused, naming the option', () => {
    expect(() => new SimulatedStorage({ tornTailProbability: 1.5 })).toThrow(/tornTailProbability/);
  });
});
