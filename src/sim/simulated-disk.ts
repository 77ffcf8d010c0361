// One replica's disk in the simulator: the storage with crash semantics (src/storage/),
// kept as the TCP driver keeps the real one (ReplicaDisk). Records are appended as the
// core emits them and synced only before the next send, so records not followed by a send
// stay unsynced until one is: a crash then loses them, and may tear the first, exactly as
// it would lose a real process's unsynced tail.
import type { DiskContents } from '../core/durability.ts';
import { ReplicaDisk } from '../storage/replica-disk.ts';
import { SimulatedStorage, type RandomSource } from '../storage/simulated-storage.ts';

export class SimulatedDisk {
  private storage: SimulatedStorage;
  private disk: ReplicaDisk;
  /**
   * Set when the disk was lost (an amnesia restart) until the replica votes again: until
   * then its records do not cover what it signed before, so a crash now is amnesia again
   * (the CLI keeps the same fact in DIR/amnesia).
   */
  amnesiac = false;

  constructor(private readonly label: string) {
    this.storage = new SimulatedStorage({ label });
    this.disk = new ReplicaDisk(this.storage);
    this.storage.recover();
  }

  append(record: Uint8Array): void {
    this.disk.append(record);
  }

  syncBeforeSend(): void {
    this.disk.sync();
  }

  writeCheckpoint(bytes: Uint8Array, truncate: boolean): void {
    this.disk.writeCheckpoint(bytes, truncate);
  }

  /** Loses what was not synced, maybe tearing the first unsynced record. */
  crash(random: RandomSource): void {
    this.storage.crash(random);
    this.disk = new ReplicaDisk(this.storage);
  }

  /** What a restarted replica reads back: the WAL cut at a torn tail, and the checkpoint. */
  recover(): { readonly contents: DiskContents; readonly tornTail: boolean } {
    return this.disk.recover();
  }

  /** The disk is gone (an amnesia restart): a blank one in its place. */
  lose(): void {
    this.storage = new SimulatedStorage({ label: this.label });
    this.disk = new ReplicaDisk(this.storage);
    this.storage.recover();
    this.amnesiac = true;
  }
}
