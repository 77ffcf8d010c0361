// The last reply per client (OSDI'99 §4.1): it answers retransmitted requests and
// makes execution exactly-once. Execution depends on it, so checkpoints digest it
// together with the store (§4.3).
import { Writer } from './bytes.ts';
import { writeClientEntries } from './snapshot-encoding.ts';
import type { ClientEntry, Reply, Signed } from './messages.ts';
import type { OperationResult } from './operations.ts';

export interface ClientRecord {
  /** t of the last request executed for this client. */
  readonly timestamp: number;
  readonly result: OperationResult;
  /** The signed REPLY, resent as is when the same t comes again. */
  readonly reply: Signed<Reply> | undefined;
}

export type ClientTableSnapshot = ReadonlyMap<number, ClientRecord>;

export class ClientTable {
  private records = new Map<number, ClientRecord>();

  get(client: number): ClientRecord | undefined {
    return this.records.get(client);
  }

  set(client: number, record: ClientRecord): void {
    this.records.set(client, record);
  }

  get size(): number {
    return this.records.size;
  }

  snapshot(): ClientTableSnapshot {
    return new Map(this.records);
  }

  restore(snapshot: ClientTableSnapshot): void {
    this.records = new Map(snapshot);
  }

  /**
   * Canonical bytes: clients in id order with (t, result). The signed reply is left
   * out: it names the replica, and replicas must agree on the digest.
   */
  encode(): Uint8Array {
    return encodeClientRows(this.rows());
  }

  /** (client, t, result) in client order: what state transfer carries. */
  rows(): ClientEntry[] {
    return clientRows(this.records);
  }

  /** Installs transferred rows; their replies are signed afresh when asked for. */
  restoreRows(rows: readonly ClientEntry[]): void {
    this.records = new Map(rows.map(([client, timestamp, result]) => [client, { timestamp, result, reply: undefined }]));
  }
}

/** A table's (client, t, result) rows in client order, as STATE carries them (and checkpoint files). */
export function clientRows(table: ClientTableSnapshot): ClientEntry[] {
  return [...table.entries()].sort(([a], [b]) => a - b).map(([client, record]) => [client, record.timestamp, record.result] as const);
}

export function encodeClientRows(rows: readonly ClientEntry[]): Uint8Array {
  const writer = new Writer();
  writeClientEntries(writer, rows);
  return writer.finish();
}
