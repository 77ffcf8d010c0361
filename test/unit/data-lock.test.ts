// One replica process per data directory (src/deploy/data-lock.ts): a live owner refuses,
// a dead one's lock (kill -9 leaves it behind) is taken over, release removes only our own.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_LOCK_FILE, DataDirInUseError, lockDataDir } from '../../src/deploy/data-lock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const dataDir = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pancydb-lock-')), 'data');
  dirs.push(dir);
  return dir;
};

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lockDataDir', () => {
  it('creates the directory and a lock holding our pid; release removes it', () => {
    const dir = dataDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, DATA_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(join(dir, DATA_LOCK_FILE))).toBe(false);
  });

  it('refuses while a live process holds it, naming the directory and the pid', () => {
    const dir = dataDir();
    lockDataDir(dir);
    // Our own parent is alive and is not us.
    writeFileSync(join(dir, DATA_LOCK_FILE), `${process.ppid}\n`);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`${dir} is in use by process ${process.ppid}`);
    expect(readFileSync(join(dir, DATA_LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it("takes over a dead process's lock (kill -9 leaves it), and one whose content is not a pid", () => {
    const dir = dataDir();
    lockDataDir(dir);
    const pid = deadPid();
    writeFileSync(join(dir, DATA_LOCK_FILE), `${pid}\n`);
    lockDataDir(dir);
    expect(readFileSync(join(dir, DATA_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    writeFileSync(join(dir, DATA_LOCK_FILE), 'garbage');
    lockDataDir(dir);
    expect(readFileSync(join(dir, DATA_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('release leaves a lock another process has taken since', () => {
    const dir = dataDir();
    const release = lockDataDir(dir);
    writeFileSync(join(dir, DATA_LOCK_FILE), `${process.ppid}\n`);
    release();
    expect(readFileSync(join(dir, DATA_LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`);
  });
});
