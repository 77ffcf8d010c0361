// DiskStorage.recover after a kill -9 that came while a background fsync ran: the records it
// returns were written by the dead process but may sit in the page cache only. The restarted
// replica re-sends what they hold (its VIEW-CHANGE on its first tick, the replies of a
// certified batch) with nothing new to sync, so recover must make them durable itself, with
// their segment's directory entry, as PostgreSQL fsyncs its data directory before crash
// recovery. fsync is watched through node:fs, which DiskStorage imports as a namespace.
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskStorage } from '../../src/storage/disk-storage.ts';

type FsyncCallback = (error: NodeJS.ErrnoException | null) => void;
const realFsync = fsModule.fsync;
const realFsyncSync = fsModule.fsyncSync;
const directories: string[] = [];

function inject(fsync: (fd: number, callback: FsyncCallback) => void, fsyncSync: (fd: number) => void): void {
  Object.assign(fsModule, { fsync, fsyncSync });
  syncBuiltinESMExports();
}

afterEach(() => {
  inject(realFsync, realFsyncSync);
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('disk storage: recover after a kill -9 during a background fsync', () => {
  it('makes the records it returns durable: their segment and its directory are fsynced before recover returns', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'pancydb-recover-durable-'));
    directories.push(directory);
    const dead = new DiskStorage(directory);
    dead.recover();
    dead.append(bytesOf('r0'));
    dead.sync();
    // The process is killed while the fsync of r1 is on the thread pool: r1 is written, not durable.
    let fsyncReturns: FsyncCallback | undefined;
    inject((_fd, callback) => (fsyncReturns = callback), realFsyncSync);
    dead.append(bytesOf('r1'));
    dead.syncInBackground(() => {});
    expect(fsyncReturns).toBeDefined();

    const fsynced: string[] = [];
    inject(realFsync, (fd) => {
      fsynced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
      realFsyncSync(fd);
    });
    const restarted = new DiskStorage(directory);
    const { records, tornTail } = restarted.recover();
    expect(records.map((record) => new TextDecoder().decode(record))).toEqual(['r0', 'r1']);
    expect(tornTail).toBe(false);
    expect(fsynced).toContain(fs.realpathSync(restarted.segmentPath(1)));
    expect(fsynced).toContain(fs.realpathSync(directory));

    restarted.close();
    dead.close();
    fsyncReturns!(null); // closes the dead storage's descriptor
  });
});
