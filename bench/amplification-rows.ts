// What the amplification harness replays: every message type a Byzantine replica
// (replica 1, signing with its own key) or a Byzantine client (with a valid key) can
// send, in several variants: its own frames replayed as they were, stale ones, future
// views, far sequence numbers and claimed-huge values. Every frame is one the attacker
// could really produce: signed by itself, or carrying only signatures it received.
import { decodeMessage, encodeBatch } from '../src/core/encoding.ts';
import type { Peer } from '../src/core/gateway.ts';
import type { Message, PrePrepare, Signed, SignedRequest } from '../src/core/messages.ts';
import { ATTACKER, BYZANTINE_CLIENT, TRANSFERRED_CLIENT, type FloodCluster } from './amplification-cluster.ts';

/** The correct replicas; 2 is the primary of view 2, where the build leaves the cluster. */
export const CORRECT = [0, 2, 3] as const;
const PRIMARY = 2;

export interface Flood {
  readonly from: Peer;
  /** The correct replicas that receive the frames, each all of them. */
  readonly to: readonly number[];
  /** `count` frames, in the order sent; the same frame repeated, or distinct ones. */
  readonly frames: (count: number) => readonly Uint8Array[];
  /** Distinct frames may each need their contents verified; duplicates should not. */
  readonly distinct: boolean;
}

export interface Row {
  readonly type: string;
  readonly variant: string;
  readonly flood: (cluster: FloodCluster) => Flood;
}

const attacker: Peer = { kind: 'replica', id: ATTACKER };
const repeat = (frame: Uint8Array) => (count: number) => Array.from({ length: count }, () => frame);
const digestOf = (cluster: FloodCluster, text: string) => cluster.replica(0).config.crypto.sha256(new TextEncoder().encode(text));

/** The last frame of `type` the attacker produced that matches. */
function own<T extends Message['type']>(cluster: FloodCluster, type: T, matches: (message: Extract<Message, { type: T }>) => boolean = () => true): Signed<Extract<Message, { type: T }>> {
  const frames = cluster.produced[ATTACKER]!.filter((signed) => signed.message.type === type && matches(signed.message as Extract<Message, { type: T }>));
  const last = frames.at(-1);
  if (last === undefined) throw new Error(`amplification: replica ${ATTACKER} produced no ${type} to replay (did the build change?)`);
  return last as Signed<Extract<Message, { type: T }>>;
}

/** A frame of another replica that the attacker received (it may try to relay it). */
function receivedFrom(cluster: FloodCluster, type: Message['type'], replica: number): Uint8Array {
  for (const frame of [...cluster.received[ATTACKER]!].reverse()) {
    const signed = tryDecode(frame);
    if (signed?.message.type === type && 'replica' in signed.message && signed.message.replica === replica) return frame;
  }
  throw new Error(`amplification: replica ${ATTACKER} received no ${type} of replica ${replica}`);
}

function tryDecode(frame: Uint8Array): Signed | undefined {
  try {
    return decodeMessage(frame);
  } catch {
    return undefined;
  }
}

/** A client request the cluster executed, as the client signed it. */
function executedRequest(cluster: FloodCluster, client: number): SignedRequest {
  const record = cluster.replica(PRIMARY).clients.get(client);
  if (record === undefined) throw new Error(`amplification: client ${client} executed nothing`);
  return cluster.signRequest(client, record.timestamp);
}

function prePrepare(cluster: FloodCluster, view: number, seq: number, batch: readonly SignedRequest[]): Signed<PrePrepare> {
  const digest = cluster.replica(0).config.crypto.sha256(encodeBatch(batch));
  return cluster.signAs(ATTACKER, { type: 'pre-prepare', view, seq, digest, replica: ATTACKER, batch });
}

const h = (cluster: FloodCluster) => cluster.replica(PRIMARY).lowWatermark;
const H = (cluster: FloodCluster) => cluster.replica(PRIMARY).highWatermark;
const view = (cluster: FloodCluster) => cluster.replica(PRIMARY).view;

function replicaFlood(to: readonly number[], frames: (count: number) => readonly Uint8Array[], distinct = false): Flood {
  return { from: attacker, to, frames, distinct };
}

export const ROWS: readonly Row[] = [
  // --- PRE-PREPARE: the attacker is primary of views 1 and 5 --------------------------
  { type: 'PRE-PREPARE', variant: 'stale: own, view 1', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'pre-prepare', (m) => m.view === 1 && m.batch.length > 0).frame)) },
  { type: 'PRE-PREPARE', variant: 'current view, not primary', flood: (c) => replicaFlood(CORRECT, repeat(prePrepare(c, view(c), h(c) + 1, [executedRequest(c, 0)]).frame)) },
  { type: 'PRE-PREPARE', variant: 'future view 5, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(prePrepare(c, 5, h(c) + 1, [executedRequest(c, 0), executedRequest(c, 1)]).frame)) },
  { type: 'PRE-PREPARE', variant: 'future view 5, distinct seqs', flood: (c) => replicaFlood(CORRECT, (count) => Array.from({ length: count }, (_, k) => prePrepare(c, 5, h(c) + 1 + k, [executedRequest(c, 0)]).frame), true) },
  // --- PREPARE / COMMIT ----------------------------------------------------------------
  { type: 'PREPARE', variant: 'current: own, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'prepare', (m) => m.view === view(c) && m.seq > h(c)).frame)) },
  { type: 'PREPARE', variant: 'stale: own, view 0', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'prepare', (m) => m.view === 0).frame)) },
  { type: 'PREPARE', variant: 'below h', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'prepare', view: view(c), seq: h(c), digest: digestOf(c, 'x'), replica: ATTACKER }).frame)) },
  { type: 'PREPARE', variant: 'future view 6, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'prepare', view: 6, seq: h(c) + 1, digest: digestOf(c, 'x'), replica: ATTACKER }).frame)) },
  { type: 'PREPARE', variant: 'above H, distinct seqs', flood: (c) => replicaFlood(CORRECT, (count) => Array.from({ length: count }, (_, k) => c.signAs(ATTACKER, { type: 'prepare', view: view(c), seq: H(c) + 1 + k, digest: digestOf(c, 'x'), replica: ATTACKER }).frame), true) },
  { type: 'COMMIT', variant: 'current: own, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'commit', (m) => m.view === view(c) && m.seq > h(c)).frame)) },
  { type: 'COMMIT', variant: 'stale: own, view 0', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'commit', (m) => m.view === 0).frame)) },
  { type: 'COMMIT', variant: 'future view 6, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'commit', view: 6, seq: h(c) + 1, digest: digestOf(c, 'x'), replica: ATTACKER }).frame)) },
  // --- CHECKPOINT ----------------------------------------------------------------------
  { type: 'CHECKPOINT', variant: 'stale: own, seq h', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'checkpoint', (m) => m.seq === h(c)).frame)) },
  { type: 'CHECKPOINT', variant: 'far seq 10^9, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'checkpoint', seq: 1e9, digest: digestOf(c, 'far'), replica: ATTACKER }).frame)) },
  { type: 'CHECKPOINT', variant: 'far seqs, distinct', flood: (c) => replicaFlood(CORRECT, (count) => Array.from({ length: count }, (_, k) => c.signAs(ATTACKER, { type: 'checkpoint', seq: 1e9 + 10 * k, digest: digestOf(c, 'far'), replica: ATTACKER }).frame), true) },
  // --- STATUS --------------------------------------------------------------------------
  { type: 'STATUS', variant: 'current: own, replayed', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'status').frame)) },
  { type: 'STATUS', variant: 'lastExecuted 10^9', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'status', view: view(c), stableSeq: h(c), lastExecuted: 1e9, replica: ATTACKER }).frame)) },
  { type: 'STATUS', variant: 'view 10^6', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'status', view: 1e6, stableSeq: h(c), lastExecuted: c.replica(PRIMARY).lastExecuted, replica: ATTACKER }).frame)) },
  { type: 'STATUS', variant: 'claims to lag: lastExecuted 0', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'status', view: view(c), stableSeq: 0, lastExecuted: 0, replica: ATTACKER }).frame)) },
  { type: 'STATUS', variant: 'old view 0, lastExecuted 0', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'status', view: 0, stableSeq: 0, lastExecuted: 0, replica: ATTACKER }).frame)) },
  // --- VIEW-CHANGE and NEW-VIEW ----------------------------------------------------------
  { type: 'VIEW-CHANGE', variant: 'current view: own, to the primary', flood: (c) => replicaFlood([PRIMARY], repeat(own(c, 'view-change', (m) => m.newView === view(c)).frame)) },
  { type: 'VIEW-CHANGE', variant: 'current view: own, to backups', flood: (c) => replicaFlood([0, 3], repeat(own(c, 'view-change', (m) => m.newView === view(c)).frame)) },
  { type: 'VIEW-CHANGE', variant: 'stale: own, view 1', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'view-change', (m) => m.newView === 1).frame)) },
  { type: 'VIEW-CHANGE', variant: 'far view 10^6, duplicate', flood: (c) => replicaFlood(CORRECT, repeat(farViewChange(c, 1e6).frame)) },
  { type: 'VIEW-CHANGE', variant: 'far views, distinct', flood: (c) => replicaFlood(CORRECT, (count) => Array.from({ length: count }, (_, k) => farViewChange(c, 1e6 + k).frame), true) },
  { type: 'NEW-VIEW', variant: 'stale: own, view 1', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'new-view').frame)) },
  { type: 'NEW-VIEW', variant: 'view 5, V short (invalid)', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'new-view', newView: 5, viewChanges: [farViewChange(c, 5)], prePrepares: [], replica: ATTACKER }).frame)) },
  // --- batches ---------------------------------------------------------------------------
  { type: 'FETCH-BATCH', variant: 'known digest', flood: (c) => replicaFlood([PRIMARY], repeat(c.signAs(ATTACKER, { type: 'fetch-batch', digest: knownDigest(c), replica: ATTACKER }).frame)) },
  { type: 'FETCH-BATCH', variant: 'unknown digest', flood: (c) => replicaFlood(CORRECT, repeat(c.signAs(ATTACKER, { type: 'fetch-batch', digest: digestOf(c, 'unknown'), replica: ATTACKER }).frame)) },
  { type: 'BATCH', variant: 'unsolicited, known batch', flood: (c) => replicaFlood(CORRECT, repeat(unsolicitedBatch(c).frame)) },
  // --- state transfer and commit certificates ----------------------------------------------
  { type: 'STATE', variant: 'own stable state, replayed', flood: (c) => replicaFlood(CORRECT, repeat(ownState(c).frame)) },
  { type: 'COMMIT-CERTIFICATE', variant: 'own, executed seq, replayed', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'commit-certificate').frame)) },
  // --- requests --------------------------------------------------------------------------
  { type: 'REQUEST', variant: 'Byzantine client: executed t replayed', flood: (c) => clientFlood(BYZANTINE_CLIENT, CORRECT, repeat(executedRequest(c, BYZANTINE_CLIENT).frame)) },
  { type: 'REQUEST', variant: 'Byzantine client: t 10^15, replayed', flood: (c) => clientFlood(BYZANTINE_CLIENT, CORRECT, repeat(c.signRequest(BYZANTINE_CLIENT, 1e15).frame)) },
  { type: 'REQUEST', variant: 'executed t known by state transfer', flood: (c) => clientFlood(TRANSFERRED_CLIENT, [3], repeat(executedRequest(c, TRANSFERRED_CLIENT).frame)) },
  { type: 'REQUEST', variant: 'executed t relayed by replica 1', flood: (c) => replicaFlood(CORRECT, repeat(executedRequest(c, 0).frame)) },
  // --- frames no replica accepts ----------------------------------------------------------
  { type: 'REPLY', variant: 'own reply, sent to replicas', flood: (c) => replicaFlood(CORRECT, repeat(own(c, 'reply').frame)) },
  { type: 'PREPARE', variant: "relayed: replica 3's, sent by 1", flood: (c) => replicaFlood(CORRECT, repeat(receivedFrom(c, 'prepare', 3))) },
  { type: 'NEW-VIEW', variant: "relayed: replica 2's view 2, sent by 1", flood: (c) => replicaFlood([0, 3], repeat(receivedFrom(c, 'new-view', 2))) },
  { type: 'malformed', variant: 'garbage bytes', flood: () => replicaFlood(CORRECT, repeat(new Uint8Array(200).fill(7))) },
];

function clientFlood(client: number, to: readonly number[], frames: (count: number) => readonly Uint8Array[]): Flood {
  return { from: { kind: 'client', id: client }, to, frames, distinct: false };
}

/** A VIEW-CHANGE for `newView` with the attacker's real stable checkpoint proof and prepared certificates. */
function farViewChange(cluster: FloodCluster, newView: number) {
  const base = own(cluster, 'view-change', (m) => m.newView === view(cluster)).message;
  return cluster.signAs(ATTACKER, { ...base, newView });
}

/** The digest of a batch every correct replica still holds (above the stable checkpoint). */
function knownDigest(cluster: FloodCluster): Uint8Array {
  const entry = cluster.replica(PRIMARY).log.get(cluster.replica(PRIMARY).lastExecuted);
  const digest = entry?.prePrepare?.message.digest;
  if (digest === undefined) throw new Error('amplification: the primary holds no batch above h');
  return digest;
}

function unsolicitedBatch(cluster: FloodCluster) {
  const prePrepare = cluster.replica(PRIMARY).log.get(cluster.replica(PRIMARY).lastExecuted)!.prePrepare!;
  return cluster.signAs(ATTACKER, { type: 'batch', digest: prePrepare.message.digest, batch: prePrepare.message.batch, replica: ATTACKER });
}

/** The attacker's own stable state with its 2f+1 proof: valid, and old news to everyone. */
function ownState(cluster: FloodCluster) {
  const stable = cluster.replica(ATTACKER).checkpoints.stable;
  const clients = [...stable.snapshot.clients.entries()].sort(([a], [b]) => a - b).map(([client, record]) => [client, record.timestamp, record.result] as const);
  return cluster.signAs(ATTACKER, { type: 'state', seq: stable.seq, proof: stable.proof, store: stable.snapshot.store, clients, replica: ATTACKER });
}

/** Signatures a frame carries, its own included: what verifying it in full costs. */
export function signaturesIn(message: Message): number {
  switch (message.type) {
    case 'pre-prepare':
    case 'batch':
      return 1 + message.batch.length;
    case 'view-change':
      return 1 + message.checkpointProof.length + message.prepared.reduce((total, certificate) => total + 1 + certificate.prepares.length, 0);
    case 'new-view':
      return 1 + message.prePrepares.length + message.viewChanges.reduce((total, viewChange) => total + signaturesIn(viewChange.message), 0);
    case 'state':
      return 1 + message.proof.length;
    case 'commit-certificate':
      return 1 + signaturesIn(message.prePrepare.message) + message.commits.length;
    default:
      return 1;
  }
}
