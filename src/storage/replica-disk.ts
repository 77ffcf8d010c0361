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
  /** Records appended since the last sync started. */
  private unsynced = false;
  /** Background syncs not yet finished: their records are written but maybe not durable. */
  private syncsInFlight = 0;
  /** Background syncs asked for with nothing new while others ran: done when those are. */
  private waitingForRunning: ((error: Error | undefined, synced: boolean) => void)[] = [];

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

  /** Some appended record is not yet known durable: a send must wait for a sync. */
  get hasUnsynced(): boolean {
    return this.unsynced || this.syncsInFlight > 0;
  }

  /** A background sync is running; the next one can wait for it and cover more (group commit). */
  get syncing(): boolean {
    return this.syncsInFlight > 0;
  }

  append(record: Uint8Array): void {
    this.storage.append(record);
    this.unsynced = true;
    this.reached('append');
  }

  /** Makes every appended record durable, those of running background syncs too; false if there was nothing to do. */
  sync(): boolean {
    if (!this.hasUnsynced) return false;
    this.storage.sync();
    this.unsynced = false;
    this.reached('sync');
    return true;
  }

  /**
   * `sync` on the storage's thread pool (Storage.syncInBackground): `done` once every record
   * appended before this call is durable, `synced` false if there was none to sync.
   */
  syncInBackground(done: (error: Error | undefined, synced: boolean) => void): void {
    if (!this.unsynced) {
      if (this.syncsInFlight === 0) return done(undefined, false);
      // Nothing new, but the running syncs' records are not durable yet: wait for them.
      this.waitingForRunning.push(done);
      return;
    }
    this.unsynced = false;
    this.syncsInFlight++;
    this.storage.syncInBackground((error) => {
      this.syncsInFlight--;
      if (error === undefined) this.reached('sync');
      done(error, true);
      if (error === undefined && this.syncsInFlight > 0) return;
      for (const waiting of this.waitingForRunning.splice(0)) waiting(error, false);
    });
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
