// One replica process per data directory. A second `pancydb replica` started on a
// directory in use (a copy-pasted command, a supervisor restarting a process that is
// still alive) would run WAL recovery against a log another process is appending to: cut
// what looks like a torn tail but is a write in progress, and delete that process's
// temporary checkpoint. Two writers of one log can also sign two digests for one
// (v, n, phase), which is exactly what the disk is there to prevent.
//
// The lock is a file holding the owner's pid, created exclusively, as PostgreSQL's
// postmaster.pid. kill -9 leaves it behind, so a lock whose pid is no longer running
// (or is a zombie, killed and not yet reaped) is stale and taken over; two processes
// taking over one stale lock race on the exclusive create, and one of them loses.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DATA_LOCK_FILE = 'lock';

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

/**
 * Takes `dataDir`'s lock (creating the directory) and returns its release; throws
 * DataDirInUseError, naming the directory and the owner's pid, while a live process holds it.
 * @example
 * const release = lockDataDir('net/data/replica-2');
 * try { … } finally { release(); }
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DATA_LOCK_FILE);
  if (!tryCreate(path)) {
    const owner = ownerOf(path);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
      throw new DataDirInUseError(`${dataDir} is in use by process ${owner} (${path}); stop it first, or remove the file if no replica runs there`);
    }
    // Stale: its owner died without releasing it. Only one of several racing takers wins the create.
    rmSync(path, { force: true });
    if (!tryCreate(path)) throw new DataDirInUseError(`${dataDir}: another process took ${path} while this one was starting`);
  }
  let held = true;
  return () => {
    // Only our own lock: a lock file with another pid is not ours to remove.
    if (held && ownerOf(path) === process.pid) rmSync(path, { force: true });
    held = false;
  };
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in the lock file; undefined if it is unreadable or holds no pid (a writer cut short: stale). */
function ownerOf(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = /^(\d{1,10})\n?$/.exec(text)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A process killed but not yet reaped by its parent still answers signal 0 (Linux: state Z in /proc/PID/stat). */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state follows the command name, which is in parentheses and may itself hold spaces or ')'.
  return stat[stat.lastIndexOf(')') + 2] === 'Z';
}
