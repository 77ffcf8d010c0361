// Storage in memory with crash semantics, for the deterministic simulator (TigerBeetle's
// simulated Storage). Fault model: a crash loses every record not yet synced, and, as a disk
// that wrote part of a sector run, may leave a prefix of the first unsynced record's bytes at
// the end of the last segment; recover() must then cut that torn tail. Synced bytes survive
// unless a test or adversary damages them with `corruptByte`, which recover() must refuse.
// Checkpoint writes are atomic: the simulator crashes only between calls, and a checkpoint is
// durable when writeCheckpoint returns, so a crash keeps the old content or the new.
// Decisions come from a seeded source passed in, so one seed replays one crash exactly.
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.ts';
import { checkCheckpointName, type RecoveredWal, type Storage } from './storage.ts';
import { TruncationGuard } from './truncation-guard.ts';
import { encodeRecord, scanSegment } from './wal-format.ts';

/** A uniform random number in [0, 1) per call; the simulator's Rng fits. */
export interface RandomSource {
  next(): number;
}

export interface SimulatedStorageOptions {
  /** Names the storage in WalCorruptError messages, e.g. 'replica-2'. */
  readonly label?: string;
  /** Chance that a crash with unsynced records leaves a torn prefix of the first of them. */
  readonly tornTailProbability?: number;
}

interface Segment {
  /** Bytes that survive a crash, as written chunks (concatenated only at recover). */
  durableChunks: Uint8Array[];
}

export class SimulatedStorage implements Storage {
  readonly label: string;
  private readonly tornTailProbability: number;
  private readonly segmentsById = new Map<number, Segment>([[1, { durableChunks: [] }]]);
  private readonly checkpoints = new Map<string, Uint8Array>();
  private pendingFrames: Uint8Array[] = [];
  private guard = new TruncationGuard();
  private state: 'new' | 'open' | 'closed' = 'new';

  constructor(options: SimulatedStorageOptions = {}) {
    this.label = options.label ?? 'simulated';
    this.tornTailProbability = options.tornTailProbability ?? 0.5;
    if (!(this.tornTailProbability >= 0 && this.tornTailProbability <= 1)) {
      throw new RangeError(`tornTailProbability: ${this.tornTailProbability} is not in [0, 1]`);
    }
  }

  /** Loses unsynced records, maybe tearing the first of them; the next user must recover(). */
  crash(random: RandomSource): void {
    const first = this.pendingFrames[0];
    if (first !== undefined && random.next() < this.tornTailProbability) {
      // At least one byte and at most all but one: a whole frame would not be torn.
      const keptBytes = 1 + Math.floor(random.next() * (first.length - 1));
      this.current().durableChunks.push(first.slice(0, keptBytes));
    }
    this.pendingFrames = [];
    this.guard = new TruncationGuard();
    this.state = 'new';
  }

  /** Damages one durable byte of a segment (bit rot, a misdirected write) by XOR with `mask`. */
  corruptByte(segment: number, offsetBytes: number, mask = 0xff): void {
    const bytes = this.durableBytes(segment);
    if (!(offsetBytes >= 0 && offsetBytes < bytes.length)) {
      throw new RangeError(`corruptByte: offset ${offsetBytes} is not in 0..${bytes.length - 1}`);
    }
    bytes[offsetBytes]! ^= mask;
    this.segmentsById.get(segment)!.durableChunks = [bytes];
  }

  /** The durable length of a segment in bytes, for tests that aim at a record. */
  durableLengthBytes(segment: number): number {
    return this.durableBytes(segment).length;
  }

  recover(): RecoveredWal {
    if (this.state !== 'new') throw new Error(`recover: ${this.label} storage is already ${this.state}`);
    const ids = this.segments();
    const records: Uint8Array[] = [];
    let tornTail = false;
    for (const [index, id] of ids.entries()) {
      const bytes = this.durableBytes(id);
      const scanned = scanSegment(bytes, this.segmentName(id), index === ids.length - 1);
      // One by one: a segment may hold more records than a call takes as arguments.
      for (const record of scanned.records) records.push(record);
      this.segmentsById.get(id)!.durableChunks = [bytes.subarray(0, scanned.validBytes)];
      tornTail ||= scanned.tornTail;
    }
    this.state = 'open';
    return { records, tornTail };
  }

  append(record: Uint8Array): void {
    this.assertOpen('append');
    this.pendingFrames.push(encodeRecord(record));
  }

  sync(): void {
    this.assertOpen('sync');
    this.current().durableChunks.push(...this.pendingFrames);
    this.pendingFrames = [];
  }

  /** The simulated disk has no latency: durable at once. */
  syncInBackground(done: (error: Error | undefined) => void): void {
    this.sync();
    done(undefined);
  }

  rotate(): number {
    this.sync();
    const next = this.currentId() + 1;
    this.segmentsById.set(next, { durableChunks: [] });
    return next;
  }

  dropSegmentsBefore(segment: number): void {
    this.assertOpen('dropSegmentsBefore');
    this.guard.checkDrop(segment, this.currentId());
    for (const id of this.segments()) if (id < segment) this.segmentsById.delete(id);
  }

  segments(): number[] {
    return [...this.segmentsById.keys()].sort((a, b) => a - b);
  }

  writeCheckpoint(name: string, bytes: Uint8Array): void {
    this.assertOpen('writeCheckpoint');
    checkCheckpointName(name);
    // Stored framed as on disk, so a damaged checkpoint fails the same way.
    this.checkpoints.set(name, encodeCheckpoint(bytes));
    this.guard.noteCheckpointWritten(this.currentId());
  }

  readCheckpoint(name: string): Uint8Array | undefined {
    checkCheckpointName(name);
    const file = this.checkpoints.get(name);
    return file === undefined ? undefined : decodeCheckpoint(name, file);
  }

  close(): void {
    this.pendingFrames = [];
    this.state = 'closed';
  }

  private segmentName(id: number): string {
    return `${this.label}/wal-${String(id).padStart(10, '0')}.log`;
  }

  private durableBytes(id: number): Uint8Array {
    const segment = this.segmentsById.get(id);
    if (segment === undefined) throw new RangeError(`segment ${id} is not live (live: ${this.segments().join(', ')})`);
    return Buffer.concat(segment.durableChunks);
  }

  private currentId(): number {
    return Math.max(...this.segmentsById.keys());
  }

  private current(): Segment {
    return this.segmentsById.get(this.currentId())!;
  }

  private assertOpen(method: string): void {
    if (this.state !== 'open') throw new Error(`${method}: ${this.label} storage is ${this.state}; call recover() first`);
  }
}
