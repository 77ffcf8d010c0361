// Replacing a small file so that a crash leaves the old contents or the new, never a mix:
// write a temporary file beside it, fsync it, rename(2) it over the old one, then fsync the
// directory, since a rename is durable only once its directory is. Checkpoints
// (disk-storage.ts) and a replica's evidence file (deploy/evidence-store.ts) are written so.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What `writeFileAtomically` appends to a file's name for the temporary file it renames. */
export const TEMPORARY_SUFFIX = '.tmp';

/** The temporary file `writeFileAtomically` writes before renaming it over `finalPath`. */
export function temporaryPathOf(finalPath: string): string {
  return finalPath + TEMPORARY_SUFFIX;
}

/**
 * Replaces `finalPath` with `data`. With `fsync` false (durability 'none', benchmarks only)
 * the rename is still atomic but nothing is forced to disk. Throws what the file system
 * throws; the temporary file may then be left behind.
 */
export function writeFileAtomically(finalPath: string, data: Uint8Array | string, options: { readonly fsync: boolean; readonly mode?: number }): void {
  const temporaryPath = temporaryPathOf(finalPath);
  const fd = fs.openSync(temporaryPath, 'w', options.mode);
  try {
    fs.writeFileSync(fd, data);
    if (options.fsync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporaryPath, finalPath);
  if (options.fsync) fsyncDirectory(path.dirname(finalPath));
}

/** Makes the directory's entries (files created, renamed, unlinked) durable. */
export function fsyncDirectory(directory: string): void {
  const fd = fs.openSync(directory, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
