// state-agreement at the end of a run, for correct replicas that stopped at different
// sequence numbers (OSDI'99 §4.3: equal prefixes, equal states).
//
// Replicas at the same lastExecuted are compared by digest (src/sim/run.ts). That alone
// compares nothing when every replica stopped at a different seq, and a state corrupted
// after the last checkpoint would pass. This check compares a lower replica L with a
// higher one H without replaying anything, using Pancydb's versions: one database-wide
// counter, one version per successful write. What H executed after L's prefix carries
// versions ≥ L's nextVersion, so
//   - H's nextVersion is at least L's;
//   - a key H holds at a version below L's nextVersion was last written inside L's prefix,
//     so L holds it with the same value and version;
//   - a key L holds is, at H, the same entry, or one rewritten later (version ≥ L's
//     nextVersion), or gone, which takes a remove after L's prefix (H's nextVersion above L's);
//   - per client, H's last executed t is at least L's, with the same result when equal.
// It reads only snapshots: it shares no code with the store it checks.
import { toHex } from '../core/bytes.ts';
import { encodeResult } from '../core/operation-encoding.ts';
import type { PancydbSnapshot } from '../core/pancydb.ts';
import type { Replica } from '../core/replica.ts';

export interface ReplicaEndState {
  readonly replica: number;
  readonly lastExecuted: number;
  readonly store: PancydbSnapshot;
  /** Client table rows: client -> [t, encoded result]. */
  readonly clients: ReadonlyMap<number, readonly [timestamp: number, result: string]>;
}

/** At most this many differences are described per pair; the first is what matters. */
const MAX_PROBLEMS = 3;

/**
 * Problems between each replica and the next higher one (replicas sorted by lastExecuted); empty when consistent.
 * @example compareAcrossPrefixes([{ replica: 0, lastExecuted: 5, store, clients }, { replica: 1, lastExecuted: 7, store: later, clients: laterClients }]) // []
 */
export function compareAcrossPrefixes(states: readonly ReplicaEndState[]): { readonly replicas: readonly [number, number]; readonly seq: number; readonly detail: string }[] {
  const sorted = [...states].sort((a, b) => a.lastExecuted - b.lastExecuted || a.replica - b.replica);
  const problems: { replicas: readonly [number, number]; seq: number; detail: string }[] = [];
  for (let index = 1; index < sorted.length; index++) {
    const lower = sorted[index - 1]!;
    const higher = sorted[index]!;
    if (lower.lastExecuted === higher.lastExecuted) continue; // Compared by digest.
    for (const detail of differences(lower, higher).slice(0, MAX_PROBLEMS)) {
      problems.push({ replicas: [lower.replica, higher.replica], seq: lower.lastExecuted, detail: `replica ${lower.replica} after n=${lower.lastExecuted}, replica ${higher.replica} after n=${higher.lastExecuted}: ${detail}` });
    }
  }
  return problems;
}

function differences(lower: ReplicaEndState, higher: ReplicaEndState): string[] {
  const problems: string[] = [];
  const boundary = lower.store.nextVersion;
  if (higher.store.nextVersion < boundary) problems.push(`nextVersion went back from ${boundary} to ${higher.store.nextVersion}`);
  const lowerEntries = new Map(lower.store.entries.map(([key, value, version]) => [key, { value, version }]));
  const higherEntries = new Map(higher.store.entries.map(([key, value, version]) => [key, { value, version }]));
  for (const [key, entry] of higherEntries) {
    if (entry.version >= boundary) continue;
    const before = lowerEntries.get(key);
    if (before === undefined || before.value !== entry.value || before.version !== entry.version) {
      problems.push(`${JSON.stringify(key)} is ${describe(entry)} at the higher replica, written inside the common prefix, but ${before === undefined ? 'absent' : describe(before)} at the lower one`);
    }
  }
  for (const [key, entry] of lowerEntries) {
    if (higherEntries.has(key) || higher.store.nextVersion > boundary) continue;
    problems.push(`${JSON.stringify(key)} is ${describe(entry)} at the lower replica and gone at the higher one, with no version taken since`);
  }
  for (const [client, [timestamp, result]] of lower.clients) {
    const later = higher.clients.get(client);
    if (later === undefined || later[0] < timestamp) problems.push(`client ${client}'s last t went back from ${timestamp} to ${later?.[0] ?? 'none'}`);
    else if (later[0] === timestamp && later[1] !== result) problems.push(`client ${client} t=${timestamp} has different results`);
  }
  return problems;
}

function describe(entry: { readonly value: string; readonly version: number }): string {
  return `${JSON.stringify(entry.value)}@${entry.version}`;
}

/**
 * What the comparison reads from a replica: its store and client table, nothing it computed
 * about them. Results are compared in their canonical encoding, as the safety checker's are:
 * a result decoded from a transferred client table (§4.3) holds its fields in another order
 * than one executed, and JSON text told them apart (hunt seed 2, schedule 2000).
 */
export function endStateOf(replica: Pick<Replica, 'id' | 'lastExecuted' | 'store' | 'clients'>): ReplicaEndState {
  const clients = new Map(replica.clients.rows().map(([client, timestamp, result]) => [client, [timestamp, toHex(encodeResult(result))] as const]));
  return { replica: replica.id, lastExecuted: replica.lastExecuted, store: replica.store.snapshot(), clients };
}
