// One replica's disk in the simulator: the storage with crash semantics (src/storage/),
// driven as the TCP driver drives the real one (src/deploy/replica-node.ts). Records are
// appended as the core emits them and synced only before the next send, so records not
// followed by a send stay unsynced until one is: a crash then loses them, and may tear
// the first, exactly as it would lose a real process's unsynced tail.
import { STABLE_CHECKPOINT, type DiskContents } from '../core/durability.ts';
import type { RandomSource } from '../storage/simulated-storage.ts';
import { SimulatedStorage } from '../storage/simulated-storage.ts';

export class SimulatedDisk {
  private unsynced = false;
  /**
   * Set when the disk was lost (an amnesia restart) until the replica votes again: until
   * then its records do not cover what it signed before, so a crash now is amnesia again
   * (the CLI keeps the same fact in DIR/amnesia).
   */
  amnesiac = false;
  /** Syncs and checkpoint writes, for reports. */
  syncs = 0;
  checkpointsWritten = 0;

  constructor(private storage: SimulatedStorage) {
    storage.recover();
  }

  append(record: Uint8Array): void {
    this.storage.append(record);
    this.unsynced = true;
  }

  syncBeforeSend(): void {
    if (!this.unsynced) return;
    this.storage.sync();
    this.unsynced = false;
    this.syncs++;
  }

  /** Atomically, then the older segments go if the replica said so (never mid view change). */
  writeCheckpoint(bytes: Uint8Array, truncate: boolean): void {
    const boundary = this.storage.rotate();
    this.unsynced = false;
    this.storage.writeCheckpoint(STABLE_CHECKPOINT, bytes);
    this.checkpointsWritten++;
    if (truncate) this.storage.dropSegmentsBefore(boundary);
  }

  crash(random: RandomSource): void {
    this.storage.crash(random);
    this.unsynced = false;
  }

  /** What a restarted replica reads back: the WAL cut at a torn tail, and the checkpoint. */
  recover(): { readonly contents: DiskContents; readonly tornTail: boolean } {
    const { records, tornTail } = this.storage.recover();
    return { contents: { checkpoint: this.storage.readCheckpoint(STABLE_CHECKPOINT), records }, tornTail };
  }

  /** The disk is gone (an amnesia restart): a blank one in its place. */
  lose(): void {
    this.storage = new SimulatedStorage({ label: this.storage.label });
    this.storage.recover();
    this.unsynced = false;
    this.amnesiac = true;
  }
}
