// The durable storage of one replica: a write-ahead log of opaque records plus named
// checkpoints. It knows nothing about PBFT. Two implementations share this contract:
// DiskStorage (files and fsync) and SimulatedStorage (memory, crashes on a seed), as
// TigerBeetle's replica runs on a real IO or on the simulator's Storage.
//
// Every method is synchronous on purpose but one. The driver executes a step's outputs in
// one order: persist, then send, then reply (etcd's raftNode loop). With a synchronous
// `sync()` that order is the order of the statements: no message can leave before the fsync
// has returned. The simulator uses it. A process cannot afford it: fsyncSync blocks the
// event loop for the whole disk flush (0.2 ms alone, 1-2 ms with four replicas flushing one
// disk), during which nothing is received or checked. So the TCP driver uses
// `syncInBackground`, which writes at once and fsyncs on libuv's thread pool, and holds the
// step's messages itself until the callback (src/deploy/replica-node.ts): the same order,
// with the event loop free meanwhile. Group commit (one sync per event-loop turn, after
// many `append`s) keeps either cost per batch, not per record.

export interface RecoveredWal {
  /** Every whole, valid record, oldest first, across all live segments. */
  readonly records: Uint8Array[];
  /** A partly written last record was found at the end of the last segment and cut off. */
  readonly tornTail: boolean;
}

export interface Storage {
  /**
   * Reads the WAL at start-up, cutting off a torn last record (durably, so later appends
   * follow the last whole record) and throwing WalCorruptError on damage anywhere else.
   * Every record it returns is durable, even one a killed process wrote and never synced.
   * Call it once, before any other method.
   */
  recover(): RecoveredWal;

  /** Buffers one record; it is not durable, and may be lost in a crash, until `sync`. */
  append(record: Uint8Array): void;

  /** Makes every record appended so far durable, in order. One call covers many records. */
  sync(): void;

  /**
   * What `sync()` does, finishing later: every record appended so far is durable when
   * `done(undefined)` runs; `done(error)` means they may not be, and the storage then
   * refuses all use. Records appended after the call are not covered.
   */
  syncInBackground(done: (error: Error | undefined) => void): void;

  /**
   * Syncs, then starts a new WAL segment for later appends, and returns its id. Records
   * before the returned id can be dropped once a newer checkpoint is durable:
   *
   *   const boundary = storage.rotate();        // records so far are covered by the snapshot
   *   storage.writeCheckpoint('state', bytes);  // durable on return
   *   storage.dropSegmentsBefore(boundary);     // only now is the old log garbage
   */
  rotate(): number;

  /**
   * Deletes the segments older than `segment`. Throws (a bug in the caller) unless a
   * checkpoint was written after `rotate()` returned `segment` in this run, so the log is
   * never truncated ahead of the checkpoint that replaces it.
   */
  dropSegmentsBefore(segment: number): void;

  /** The ids of the live segments, oldest first; the last one takes appends. */
  segments(): number[];

  /** Replaces the checkpoint `name` atomically and durably: after a crash, old or new, never a mix. */
  writeCheckpoint(name: string, bytes: Uint8Array): void;

  /** The checkpoint `name`, or undefined if none was written; throws CheckpointCorruptError if damaged. */
  readCheckpoint(name: string): Uint8Array | undefined;

  /** Releases file handles. Records appended but not synced are lost, as in a crash. */
  close(): void;
}

/** A checkpoint file that exists but fails its CRC: refuse, as for a corrupt WAL. */
export class CheckpointCorruptError extends Error {
  constructor(
    readonly checkpointName: string,
    readonly reason: string,
  ) {
    super(`checkpoint ${JSON.stringify(checkpointName)} corrupt: ${reason}; refusing to start`);
    this.name = 'CheckpointCorruptError';
  }
}

const CHECKPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Checkpoint names become file names: letters, digits, '-' and '_' only. */
export function checkCheckpointName(name: string): void {
  if (!CHECKPOINT_NAME.test(name)) {
    throw new TypeError(`checkpoint name: ${JSON.stringify(name)} must match ${CHECKPOINT_NAME}`);
  }
}
