// Storage on a real disk: one directory per replica holding
//   wal-0000000001.log, wal-0000000002.log, …  append-only WAL segments (wal-format.ts)
//   NAME.checkpoint                              checkpoints (checkpoint-format.ts)
//   NAME.checkpoint.tmp                          a checkpoint being written; removed at recover
// Appends are buffered in memory and written with one write + one fsync per `sync` (group
// commit). A file that was created, renamed or unlinked is durable only once its directory is
// fsynced too, so every such change is followed by one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDirectory, TEMPORARY_SUFFIX, writeFileAtomically } from './atomic-file.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.ts';
import { checkCheckpointName, type RecoveredWal, type Storage } from './storage.ts';
import { TruncationGuard } from './truncation-guard.ts';
import { encodeRecord, scanSegment, WalCorruptError } from './wal-format.ts';

export interface DiskStorageOptions {
  /** 'none' skips every fsync: a crash may lose anything. For benchmarks only. */
  readonly durability?: 'fsync' | 'none';
}

const SEGMENT_FILE = /^wal-(\d{10})\.log$/;
const CHECKPOINT_SUFFIX = '.checkpoint';

export class DiskStorage implements Storage {
  private readonly fsyncEnabled: boolean;
  private readonly guard = new TruncationGuard();
  private liveSegments: number[] = [];
  private segmentFd: number | undefined;
  private pendingFrames: Uint8Array[] = [];
  private state: 'new' | 'open' | 'failed' | 'closed' = 'new';
  /** fsyncs running on the thread pool, per descriptor: a rotated-out segment closes only once its own are done. */
  private readonly fsyncsInFlight = new Map<number, number>();
  private readonly closeWhenSynced = new Set<number>();

  constructor(
    readonly directory: string,
    options: DiskStorageOptions = {},
  ) {
    this.fsyncEnabled = (options.durability ?? 'fsync') === 'fsync';
  }

  recover(): RecoveredWal {
    if (this.state !== 'new') throw new Error(`recover: storage in ${this.directory} is already ${this.state}`);
    const firstCreated = fs.mkdirSync(this.directory, { recursive: true });
    // A new directory survives a crash only once its parent's entry for it is durable.
    if (firstCreated !== undefined) this.fsyncDirectory(path.dirname(firstCreated));
    this.removeTemporaryFiles();
    this.liveSegments = this.listSegments();
    if (this.liveSegments.length === 0) this.createSegment(1);
    const records: Uint8Array[] = [];
    let tornTail = false;
    for (const [index, segment] of this.liveSegments.entries()) {
      const filePath = this.segmentPath(segment);
      const scanned = scanSegment(fs.readFileSync(filePath), filePath, index === this.liveSegments.length - 1);
      // One by one: a segment may hold more records than a call takes as arguments.
      for (const record of scanned.records) records.push(record);
      if (scanned.tornTail) {
        // Cut the torn record durably, so the next append follows the last whole record
        // instead of leaving garbage in the middle of the log (etcd's wal.Repair).
        fs.truncateSync(filePath, scanned.validBytes);
        tornTail = true;
      }
      // A process killed while its fsync ran (kill -9 keeps the page cache) left records
      // that read back whole but are not durable. The replica re-sends what they hold with
      // nothing new to sync (its VIEW-CHANGE, a certified batch's replies), so they, and
      // the directory entries of their segments, are made durable before it can (as
      // PostgreSQL fsyncs its data directory before crash recovery).
      this.fsyncFile(filePath);
    }
    this.fsyncDirectory();
    this.segmentFd = fs.openSync(this.segmentPath(this.currentSegment()), 'a');
    this.state = 'open';
    return { records, tornTail };
  }

  append(record: Uint8Array): void {
    this.assertOpen('append');
    this.pendingFrames.push(encodeRecord(record));
  }

  sync(): void {
    this.assertOpen('sync');
    this.writePending();
    if (!this.fsyncEnabled) return;
    this.failOnError(() => fs.fsyncSync(this.segmentFd!));
  }

  /**
   * `sync()` without blocking the event loop: the appended records are written now and
   * fsynced on libuv's thread pool; `done` runs once they are durable (error: undefined),
   * or with the error, after which this storage refuses all use, as `sync()` does. The
   * caller keeps whatever depends on these records (their messages) until `done`.
   */
  syncInBackground(done: (error: Error | undefined) => void): void {
    this.assertOpen('syncInBackground');
    this.writePending();
    if (!this.fsyncEnabled) return done(undefined);
    const fd = this.segmentFd!;
    this.fsyncsInFlight.set(fd, (this.fsyncsInFlight.get(fd) ?? 0) + 1);
    fs.fsync(fd, (error) => {
      const left = this.fsyncsInFlight.get(fd)! - 1;
      if (left > 0) this.fsyncsInFlight.set(fd, left);
      else {
        this.fsyncsInFlight.delete(fd);
        if (this.closeWhenSynced.delete(fd)) fs.closeSync(fd);
      }
      // Closed meanwhile (shutdown): nothing waits for this any more.
      if (this.state === 'closed') return;
      // After any failed fsync of this storage (a background one, or a rotate's), this one's
      // success proves nothing: the kernel reports an error once, then calls the lost pages
      // clean (fsyncgate). So it fails too.
      const failure = error ?? (this.state === 'failed' ? new Error(`fsync: storage in ${this.directory} failed during this fsync; its records may be lost`) : undefined);
      if (failure !== undefined) this.state = 'failed';
      done(failure);
    });
  }

  /** Hands the appended records to the kernel (one write); durable only after an fsync. */
  private writePending(): void {
    if (this.pendingFrames.length === 0) return;
    const frames = Buffer.concat(this.pendingFrames);
    this.pendingFrames = [];
    this.failOnError(() => {
      for (let writtenBytes = 0; writtenBytes < frames.length; ) {
        writtenBytes += fs.writeSync(this.segmentFd!, frames, writtenBytes);
      }
    });
  }

  private failOnError(io: () => void): void {
    try {
      io();
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages, so a retry could
      // report success for lost data (PostgreSQL's "fsyncgate"). Refuse all further use:
      // the process must restart and recover from what is really on disk.
      this.state = 'failed';
      throw error;
    }
  }

  rotate(): number {
    this.sync();
    this.closeSegment(this.segmentFd!);
    const next = this.currentSegment() + 1;
    this.createSegment(next);
    this.segmentFd = fs.openSync(this.segmentPath(next), 'a');
    return next;
  }

  dropSegmentsBefore(segment: number): void {
    this.assertOpen('dropSegmentsBefore');
    this.guard.checkDrop(segment, this.currentSegment());
    // Oldest first, so a crash part-way leaves a contiguous run of segments.
    for (const old of this.liveSegments.filter((id) => id < segment)) fs.unlinkSync(this.segmentPath(old));
    this.liveSegments = this.liveSegments.filter((id) => id >= segment);
    this.fsyncDirectory();
  }

  segments(): number[] {
    return [...this.liveSegments];
  }

  writeCheckpoint(name: string, bytes: Uint8Array): void {
    this.assertOpen('writeCheckpoint');
    checkCheckpointName(name);
    // A crash leaves the old or the new file under its name (atomic-file.ts).
    writeFileAtomically(path.join(this.directory, name + CHECKPOINT_SUFFIX), encodeCheckpoint(bytes), { fsync: this.fsyncEnabled });
    this.guard.noteCheckpointWritten(this.currentSegment());
  }

  readCheckpoint(name: string): Uint8Array | undefined {
    checkCheckpointName(name);
    let file: Buffer;
    try {
      file = fs.readFileSync(path.join(this.directory, name + CHECKPOINT_SUFFIX));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return decodeCheckpoint(name, file);
  }

  close(): void {
    if (this.segmentFd !== undefined) this.closeSegment(this.segmentFd);
    this.segmentFd = undefined;
    this.pendingFrames = [];
    this.state = 'closed';
  }

  /** The file of a segment; exported for tests that damage it on purpose. */
  segmentPath(segment: number): string {
    return path.join(this.directory, `wal-${String(segment).padStart(10, '0')}.log`);
  }

  /** Closes a segment's descriptor, or, while a background fsync uses it, lets that fsync close it. */
  private closeSegment(fd: number): void {
    if (this.fsyncsInFlight.has(fd)) this.closeWhenSynced.add(fd);
    else fs.closeSync(fd);
  }

  private currentSegment(): number {
    return this.liveSegments[this.liveSegments.length - 1]!;
  }

  private listSegments(): number[] {
    const ids = fs
      .readdirSync(this.directory)
      .map((file) => SEGMENT_FILE.exec(file)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    // Segments are dropped oldest first, so the live ones are consecutive; a hole lost records.
    for (let i = 1; i < ids.length; i++) {
      if (ids[i] !== ids[i - 1]! + 1) {
        throw new WalCorruptError(this.segmentPath(ids[i - 1]! + 1), 0, `segment missing (found ${ids.join(', ')})`);
      }
    }
    return ids;
  }

  private createSegment(segment: number): void {
    fs.closeSync(fs.openSync(this.segmentPath(segment), 'wx'));
    this.fsyncDirectory();
    this.liveSegments.push(segment);
  }

  private removeTemporaryFiles(): void {
    for (const file of fs.readdirSync(this.directory)) {
      if (file.endsWith(CHECKPOINT_SUFFIX + TEMPORARY_SUFFIX)) fs.unlinkSync(path.join(this.directory, file));
    }
  }

  private fsyncFile(filePath: string): void {
    if (!this.fsyncEnabled) return;
    const fd = fs.openSync(filePath, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private fsyncDirectory(directory = this.directory): void {
    if (this.fsyncEnabled) fsyncDirectory(directory);
  }

  private assertOpen(method: string): void {
    if (this.state !== 'open') {
      throw new Error(`${method}: storage in ${this.directory} is ${this.state}; call recover() first`);
    }
  }
}
