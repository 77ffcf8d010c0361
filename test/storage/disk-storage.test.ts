// DiskStorage: the shared contract in a temporary directory, then crashes made by hand on the
// files (a tail cut mid-record, zeros from a grown file, a flipped byte, a missing segment).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskStorage } from '../../src/storage/disk-storage.ts';
import { CheckpointCorruptError } from '../../src/storage/storage.ts';
import { RECORD_HEADER_BYTES, WalCorruptError } from '../../src/storage/wal-format.ts';
import { describeStorageContract } from './storage-contract.ts';

const directories: string[] = [];
function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'pancydb-storage-'));
  directories.push(directory);
  return directory;
}
function removeDirectories(): void {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
}

describeStorageContract('disk', {
  create: () => new DiskStorage(temporaryDirectory()),
  restart: (storage) => {
    storage.close();
    return new DiskStorage((storage as DiskStorage).directory);
  },
  cleanup: removeDirectories,
});

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);
const textOf = (records: readonly Uint8Array[]): string[] => records.map((record) => new TextDecoder().decode(record));

/** A directory holding records 'r0'..'r{count-1}', synced, in segment 1; returns its segment file. */
function writtenStorage(count: number): { directory: string; segmentPath: string } {
  const directory = temporaryDirectory();
  const storage = new DiskStorage(directory);
  storage.recover();
  for (let i = 0; i < count; i++) storage.append(bytesOf(`r${i}`));
  storage.sync();
  storage.close();
  return { directory, segmentPath: storage.segmentPath(1) };
}
const recordBytes = RECORD_HEADER_BYTES + 2; // 'rN' for N < 10

describe('disk storage: crashes and corruption', () => {
  afterEach(removeDirectories);

  it('a rotate while a background fsync runs: the old segment stays open until it ends, which reports success', async () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory);
    storage.recover();
    storage.append(bytesOf('r0'));
    const done = new Promise<Error | undefined>((resolve) => storage.syncInBackground(resolve));
    expect(storage.rotate()).toBe(2);
    storage.append(bytesOf('r1'));
    storage.sync();
    expect(await done).toBeUndefined();
    storage.close();
    expect(textOf(new DiskStorage(directory).recover().records)).toEqual(['r0', 'r1']);
  });

  it('closed while a background fsync runs: its callback never comes, and the written records are still there', async () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory);
    storage.recover();
    storage.append(bytesOf('r0'));
    let called = false;
    storage.syncInBackground(() => (called = true));
    storage.close();
    // Until the fsync has come back (it then closes the descriptor close() left to it).
    const inFlight = (storage as unknown as { fsyncsInFlight: Map<number, number> }).fsyncsInFlight;
    expect(inFlight.size).toBe(1);
    while (inFlight.size > 0) await new Promise((resolve) => setImmediate(resolve));
    expect(called).toBe(false);
    expect(textOf(new DiskStorage(directory).recover().records)).toEqual(['r0']);
  });

  it('a last record cut mid-payload is a torn tail: cut off on disk, earlier records kept', () => {
    const { directory, segmentPath } = writtenStorage(3);
    fs.truncateSync(segmentPath, 3 * recordBytes - 1);
    const storage = new DiskStorage(directory);
    expect(storage.recover()).toEqual({ records: [bytesOf('r0'), bytesOf('r1')], tornTail: true });
    expect(fs.statSync(segmentPath).size).toBe(2 * recordBytes);
    storage.append(bytesOf('r9'));
    storage.sync();
    storage.close();
    expect(textOf(new DiskStorage(directory).recover().records)).toEqual(['r0', 'r1', 'r9']);
  });

  it('a last record cut inside its header is a torn tail', () => {
    const { directory, segmentPath } = writtenStorage(2);
    fs.truncateSync(segmentPath, recordBytes + 3);
    expect(new DiskStorage(directory).recover()).toEqual({ records: [bytesOf('r0')], tornTail: true });
  });

  it('a CRC mismatch in the very last record is a torn tail', () => {
    const { directory, segmentPath } = writtenStorage(2);
    flipByte(segmentPath, 2 * recordBytes - 1);
    expect(new DiskStorage(directory).recover()).toEqual({ records: [bytesOf('r0')], tornTail: true });
  });

  it('zeros after the last record (a file grown but never written) are a torn tail', () => {
    const { directory, segmentPath } = writtenStorage(2);
    fs.appendFileSync(segmentPath, new Uint8Array(4096));
    expect(new DiskStorage(directory).recover()).toEqual({ records: [bytesOf('r0'), bytesOf('r1')], tornTail: true });
    expect(fs.statSync(segmentPath).size).toBe(2 * recordBytes);
  });

  it('a flipped byte in an earlier record refuses to start, naming the file and byte offset', () => {
    const { directory, segmentPath } = writtenStorage(3);
    flipByte(segmentPath, recordBytes + RECORD_HEADER_BYTES); // the payload of r1
    const error = catchError(() => new DiskStorage(directory).recover());
    expect(error).toBeInstanceOf(WalCorruptError);
    expect((error as WalCorruptError).filePath).toBe(segmentPath);
    expect((error as WalCorruptError).offsetBytes).toBe(recordBytes);
    expect((error as Error).message).toContain(`${segmentPath} at byte offset ${recordBytes}: payload CRC mismatch`);
    expect(fs.statSync(segmentPath).size).toBe(3 * recordBytes); // refused, not repaired
  });

  it('a rotted length field in the last record refuses to start (a torn write leaves headers whole)', () => {
    const { directory, segmentPath } = writtenStorage(2);
    flipByte(segmentPath, recordBytes + 2); // r1's length: 2 -> 0xff02, past the end of the file
    expect(() => new DiskStorage(directory).recover()).toThrow(`byte offset ${recordBytes}: header CRC mismatch`);
  });

  it('a torn record at the end of an earlier segment refuses to start (rotate synced it whole)', () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory);
    storage.recover();
    storage.append(bytesOf('r0'));
    storage.rotate();
    storage.append(bytesOf('r1'));
    storage.sync();
    storage.close();
    fs.truncateSync(storage.segmentPath(1), recordBytes - 1);
    expect(() => new DiskStorage(directory).recover()).toThrow(WalCorruptError);
  });

  it('a segment missing between live ones refuses to start', () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory);
    storage.recover();
    storage.rotate();
    storage.rotate();
    storage.close();
    fs.unlinkSync(storage.segmentPath(2));
    expect(() => new DiskStorage(directory).recover()).toThrow(/wal-0000000002\.log at byte offset 0: segment missing/);
  });

  it('a checkpoint write that crashed before its rename leaves the old checkpoint', () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory);
    storage.recover();
    storage.writeCheckpoint('state', bytesOf('old'));
    storage.close();
    fs.writeFileSync(path.join(directory, 'state.checkpoint.tmp'), bytesOf('half of the n'));
    const restarted = new DiskStorage(directory);
    restarted.recover();
    expect(textOf([restarted.readCheckpoint('state')!])).toEqual(['old']);
    expect(fs.existsSync(path.join(directory, 'state.checkpoint.tmp'))).toBe(false);
  });

  it('a damaged checkpoint file is refused with CheckpointCorruptError', () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory);
    storage.recover();
    storage.writeCheckpoint('state', bytesOf('snapshot'));
    flipByte(path.join(directory, 'state.checkpoint'), 6);
    expect(() => storage.readCheckpoint('state')).toThrow(CheckpointCorruptError);
  });

  it("durability 'none' keeps the same contract across a clean restart", () => {
    const directory = temporaryDirectory();
    const storage = new DiskStorage(directory, { durability: 'none' });
    storage.recover();
    storage.append(bytesOf('fast'));
    storage.sync();
    storage.close();
    expect(textOf(new DiskStorage(directory).recover().records)).toEqual(['fast']);
  });
});

function flipByte(filePath: string, offsetBytes: number): void {
  const bytes = fs.readFileSync(filePath);
  bytes[offsetBytes]! ^= 0xff;
  fs.writeFileSync(filePath, bytes);
}

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
