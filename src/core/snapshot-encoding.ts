// The parts of a STATE message (state transfer) that are not protocol fields: the store
// snapshot and the client table's rows, read back only if Pancydb could have produced them.
import { DecodeError, type Reader, type Writer } from './bytes.ts';
import type { ClientEntry } from './messages.ts';
import { readResult, writeResult } from './operation-encoding.ts';
import type { PancydbSnapshot } from './pancydb.ts';

export function writeSnapshot(writer: Writer, snapshot: PancydbSnapshot): void {
  writer.uint(snapshot.nextVersion).uint(snapshot.entries.length);
  for (const [key, value, version] of snapshot.entries) writer.text(key).text(value).uint(version);
}

/** Only snapshots Pancydb could have produced: keys strictly ascending, versions below nextVersion. */
export function readSnapshot(reader: Reader): PancydbSnapshot {
  const nextVersion = reader.uint();
  if (nextVersion < 1) throw new DecodeError('nextVersion below 1');
  const count = reader.uint();
  const entries: [string, string, number][] = [];
  let previous: string | undefined;
  for (let index = 0; index < count; index++) {
    const key = reader.text();
    const value = reader.text();
    const version = reader.uint();
    if (previous !== undefined && !(previous < key)) throw new DecodeError('snapshot keys not strictly ascending');
    if (version < 1 || version >= nextVersion) throw new DecodeError('snapshot version out of range');
    entries.push([key, value, version]);
    previous = key;
  }
  return { nextVersion, entries };
}

/** (client, t, result) rows, client ids strictly ascending. */
export function writeClientEntries(writer: Writer, rows: readonly ClientEntry[]): void {
  writer.uint(rows.length);
  for (const [client, timestamp, result] of rows) {
    writer.uint(client).uint(timestamp);
    writeResult(writer, result);
  }
}

/** `count` rows, already checked against the list cap by the caller (encoding.ts). */
export function readClientEntries(reader: Reader, count: number): ClientEntry[] {
  const rows: ClientEntry[] = [];
  for (let index = 0; index < count; index++) {
    const client = reader.uint();
    if (index > 0 && client <= rows[index - 1]![0]) throw new DecodeError('client rows not strictly ascending');
    const timestamp = reader.uint();
    rows.push([client, timestamp, readResult(reader)]);
  }
  return rows;
}
