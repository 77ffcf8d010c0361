// DiskStorage when an fsync fails (EIO), with the failure injected into node:fs: once one
// fsync failed, no later one of this storage may report the records durable (fsyncgate:
// a second fsync of the same file reports success for the pages the first lost).
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskStorage } from '../../src/storage/disk-storage.ts';

type FsyncCallback = (error: NodeJS.ErrnoException | null) => void;
const directories: string[] = [];
const realFsync = fsModule.fsync;
const realFsyncSync = fsModule.fsyncSync;

/** Replaces node:fs's fsync (and fsyncSync) for DiskStorage, which imports the ESM namespace. */
function inject(fsync: (fd: number, callback: FsyncCallback) => void, fsyncSync: (fd: number) => void = realFsyncSync): void {
  Object.assign(fsModule, { fsync, fsyncSync });
  syncBuiltinESMExports();
}

afterEach(() => {
  inject(realFsync, realFsyncSync);
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

function eio(): NodeJS.ErrnoException {
  return Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO', errno: -5, syscall: 'fsync' });
}

function openStorage(): DiskStorage {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'pancydb-fsync-errors-'));
  directories.push(directory);
  const storage = new DiskStorage(directory);
  storage.recover();
  return storage;
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('disk storage: a failed fsync', () => {
  it('injection works: a background fsync reports EIO and the storage refuses further use', async () => {
    const storage = openStorage();
    inject((_fd, callback) => setImmediate(() => callback(eio())));
    storage.append(bytesOf('r0'));
    const error = await new Promise<Error | undefined>((resolve) => storage.syncInBackground(resolve));
    expect((error as NodeJS.ErrnoException | undefined)?.code).toBe('EIO');
    expect(() => storage.append(bytesOf('r1'))).toThrow(/failed/);
    storage.close();
  });

  it('two background fsyncs, the first fails: the second does not report success', async () => {
    const storage = openStorage();
    let calls = 0;
    inject((fd, callback) => {
      if (calls++ === 0) setImmediate(() => callback(eio()));
      else setTimeout(() => realFsync(fd, callback), 20); // returns 0: the error was reported once
    });
    storage.append(bytesOf('r0'));
    const first = new Promise<Error | undefined>((resolve) => storage.syncInBackground(resolve));
    storage.append(bytesOf('r1'));
    const second = new Promise<Error | undefined>((resolve) => storage.syncInBackground(resolve));
    expect((await first) !== undefined).toBe(true);
    expect(await second).toBeInstanceOf(Error);
    storage.close();
  });

  it('a synchronous fsync (a rotate) fails while a background one runs: the background one does not report success', async () => {
    const storage = openStorage();
    inject(
      (fd, callback) => setTimeout(() => realFsync(fd, callback), 20),
      () => {
        throw eio();
      },
    );
    storage.append(bytesOf('r0'));
    const background = new Promise<Error | undefined>((resolve) => storage.syncInBackground(resolve));
    expect(() => storage.rotate()).toThrow(/EIO/);
    expect(await background).toBeInstanceOf(Error);
    storage.close();
  });
});
