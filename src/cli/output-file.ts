// Files a command writes when it is done (--shrink, --evidence, --html, --record, --svg):
// checked before any work, so a typo in a path costs nothing.
import { existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './usage-error.ts';

/** A missing or read-only directory, or a path that is a directory, is a usage error naming `flag`. */
export function checkOutputFile(flag: string, path: string): void {
  const directory = dirname(resolve(path));
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new UsageError(`${flag} ${path}: no directory ${directory} to write it in`);
  // Try it, rather than ask access(2): root passes that check on read-only file systems.
  try {
    rmdirSync(mkdtempSync(join(directory, '.pancydb-write-')));
  } catch {
    throw new UsageError(`${flag} ${path}: cannot write in ${directory}`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory; give a file name`);
}
