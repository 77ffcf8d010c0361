// ReplicaDisk's background sync over a Storage whose fsyncs return when the test says.
import { describe, expect, it } from 'vitest';
import { ReplicaDisk } from '../../src/storage/replica-disk.ts';
import { SimulatedStorage } from '../../src/storage/simulated-storage.ts';

/** A simulated storage whose background syncs are held until `finish`. */
class HeldStorage extends SimulatedStorage {
  readonly held: ((error: Error | undefined) => void)[] = [];
  override syncInBackground(done: (error: Error | undefined) => void): void {
    this.held.push(done);
  }
  finish(error?: Error): void {
    const done = this.held.shift()!;
    if (error === undefined) this.sync();
    done(error);
  }
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

function heldDisk(): { storage: HeldStorage; disk: ReplicaDisk; points: string[] } {
  const storage = new HeldStorage({ label: 'test' });
  storage.recover();
  const points: string[] = [];
  return { storage, disk: new ReplicaDisk(storage, (point) => points.push(point)), points };
}

describe('ReplicaDisk.syncInBackground', () => {
  it('hasUnsynced stays true until the background sync returns; the sync point is reached then', () => {
    const { storage, disk, points } = heldDisk();
    disk.append(bytesOf('r0'));
    const calls: [Error | undefined, boolean][] = [];
    disk.syncInBackground((error, synced) => calls.push([error, synced]));
    expect(disk.hasUnsynced).toBe(true);
    expect(disk.syncing).toBe(true);
    expect(points).toEqual(['append']);
    storage.finish();
    expect(calls).toEqual([[undefined, true]]);
    expect(points).toEqual(['append', 'sync']);
    expect(disk.hasUnsynced).toBe(false);
  });

  it('asked again with nothing new while one runs: done only once that one has returned', () => {
    const { storage, disk } = heldDisk();
    disk.append(bytesOf('r0'));
    const calls: string[] = [];
    disk.syncInBackground(() => calls.push('first'));
    disk.syncInBackground((error, synced) => calls.push(`second ${error === undefined} ${synced}`));
    expect(calls).toEqual([]); // r0 is not durable yet
    storage.finish();
    expect(calls).toEqual(['first', 'second true false']);
  });

  it('a waiter behind a sync that fails gets its error', () => {
    const { storage, disk } = heldDisk();
    disk.append(bytesOf('r0'));
    const errors: (Error | undefined)[] = [];
    disk.syncInBackground((error) => errors.push(error));
    disk.syncInBackground((error) => errors.push(error));
    storage.finish(new Error('EIO'));
    expect(errors.map((error) => error?.message)).toEqual(['EIO', 'EIO']);
  });

  it('with nothing appended and nothing running: done at once, synced false', () => {
    const { disk } = heldDisk();
    const calls: [Error | undefined, boolean][] = [];
    disk.syncInBackground((error, synced) => calls.push([error, synced]));
    expect(calls).toEqual([[undefined, false]]);
  });
});
