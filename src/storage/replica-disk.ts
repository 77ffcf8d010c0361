// One replica's disk as both drivers keep it (the simulator, src/sim/cluster.ts, and the
// TCP driver, src/deploy/replica-node.ts): the core's `persist` and `checkpoint` outputs
// (src/core/replica-io.ts) carried out on a Storage. Records are appended as they come and
// made durable before the next send (`sync`, one call for all of them); a checkpoint file
// is written after a rotate, and the older segments go only if the replica said so
// (never during a view change, core/durability.ts). Each step of that is a point a crash
// test can stop at (src/deploy/crash-points.ts).
import { STABLE_CHECKPOINT, type DiskContents } from '../core/durability.ts';
import type { Storage } from './storage.ts';

/** The steps of the durability protocol, in the order one checkpoint passes them. */
export const DISK_POINTS = ['append', 'sync', 'rotate', 'checkpoint', 'truncate'] as const;
export type DiskPoint = (typeof DISK_POINTS)[number];

export class ReplicaDisk {
  private unsynced = false;

  constructor(
    readonly storage: Storage,
    /** Called after each step; a crash test's hook. */
    private readonly reached: (point: DiskPoint) => void = () => {},
  ) {}

  /** What a restarting replica reads back (storage.recover() cuts a torn tail); call once, first. */
  recover(): { readonly contents: DiskContents; readonly tornTail: boolean } {
    const { records, tornTail } = this.storage.recover();
    return { contents: { checkpoint: this.storage.readCheckpoint(STABLE_CHECKPOINT), records }, tornTail };
  }

  /** Records were appended since the last sync: a send must wait for `sync`. */
  get hasUnsynced(): boolean {
    return this.unsynced;
  }

  append(record: Uint8Array): void {
    this.storage.append(record);
    this.unsynced = true;
    this.reached('append');
  }

  /** Makes every appended record durable; false if there was nothing to do. */
  sync(): boolean {
    if (!this.unsynced) return false;
    this.storage.sync();
    this.unsynced = false;
    this.reached('sync');
    return true;
  }

  writeCheckpoint(bytes: Uint8Array, truncate: boolean): void {
    const boundary = this.storage.rotate(); // Syncs the records before it.
    this.unsynced = false;
    this.reached('rotate');
    this.storage.writeCheckpoint(STABLE_CHECKPOINT, bytes);
    this.reached('checkpoint');
    if (!truncate) return;
    this.storage.dropSegmentsBefore(boundary);
    this.reached('truncate');
  }
}
