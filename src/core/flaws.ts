// Deliberately broken protocol variants, to show that the checkers catch a broken
// protocol (issue "Adversaries", item 7b) and, as a catalogue, to give `pancydb hunt`
// (issue 12) mistakes to find. Each removes one rule the safety or liveness argument of
// OSDI'99 §4 (TOCS 2002) leans on. Only tests set them: neither the CLI nor scenario files
// can (test/unit/flaw-settable.test.ts), and a replica without `flaws` in its config runs
// the protocol as the paper gives it.
import type { Operation } from './operations.ts';
import type { Quorums } from './quorum.ts';

export type ProtocolFlaw =
  /** committed-local on 2f matching COMMITs instead of 2f+1 (§4.2). */
  | 'commit-on-2f'
  /** prepared on 2f-1 PREPAREs instead of 2f, in the predicate and in certificates alike (§4.2). */
  | 'prepare-on-2f-1'
  /** Backups take NEW-VIEW's O on trust instead of recomputing it from V (§4.4). */
  | 'new-view-o-not-recomputed'
  /** Prepared certificates inside VIEW-CHANGE are not verified (§4.4). */
  | 'p-not-checked'
  /** A PRE-PREPARE's batch is not checked to hash to its digest d (§4.2). */
  | 'no-pre-prepare-digest-check'
  /** The client accepts a result on f matching replies instead of f+1 (§4.1). */
  | 'reply-on-f'
  /**
   * The replica forgets its client table (§4.1): a retransmitted request whose t it already
   * executed is ordered and executed again instead of answered with the cached reply.
   */
  | 'no-client-table-check'
  /** A client's signature on a request is not verified, at the gateway or inside a PRE-PREPARE's batch (§3, §4.2). */
  | 'request-signature-not-checked'
  /** A stable checkpoint does not discard the log entries it covers (§4.3): the log outgrows L. */
  | 'log-not-garbage-collected'
  /** The state machine executes cas as a plain put: the expected value is never compared. */
  | 'cas-as-put'
  /**
   * A backup logs a second PRE-PREPARE for (v, n) with another digest over the first and
   * prepares it too (§4.2: a backup accepts a PRE-PREPARE only if it has accepted none for
   * v and n with a different digest).
   */
  | 'pre-prepare-overwritten'
  /** With read-only requests on, the client accepts a read on f+1 matching replies instead of 2f+1 (§5.1). */
  | 'read-on-f-plus-1'
  /** With read-only requests on, the client accepts an ordered request on f+1 matching replies instead of 2f+1 (read-only.ts). */
  | 'write-on-f-plus-1-with-reads'
  /** With digest replies on, the client counts a digest reply for a result without comparing the digest (§5.1). */
  | 'digest-not-compared'
  /** With tentative execution on, the client accepts f+1 matching tentative replies instead of 2f+1 (§5.1). */
  | 'tentative-on-f-plus-1'
  // --- The catalogue for `pancydb hunt` (issue 12): each a mistake a real implementation
  // could make. Each says whether it is observable with at most f faulty replicas; the
  // observable ones are caught in test/sweeps/flaw-catalogue.test.ts, or, where only a
  // written-out schedule shows them, in test/unit/flaw-*.test.ts.
  /**
   * A replica restarted without memory fixes its view estimate E from the first 2f
   * RECOVERY-REPLYs instead of 2f+1 (restart-guard.ts; TOCS 2002 §4.3 estimates from 2f+1
   * fresh replies): the real bug of 2026-11-30 (notebook, "Hardening" §1), then with STATUS.
   * Observable with one faulty replica: its reply claims view 0 and a lagging correct
   * replica's fills the 2f, E falls below a view the replica voted in, and when the faulty
   * replica, primary there, pre-prepares that (v, n) again, the restarted one votes twice.
   */
  | 'restart-estimate-on-2f'
  /**
   * An O entry whose batch is still being fetched does not hold its log slot (§4.4, log.ts
   * LogEntry.awaited): the gateway takes a PRE-PREPARE with another digest for that (v, n),
   * and the fetched batch, when it comes, completes the entry over it, so the backup
   * prepares two digests at one (v, n). Observable with one faulty replica: a new primary
   * that pre-prepares an O entry a second time, to a backup that lacks the batch.
   */
  | 'o-entry-slot-not-held'
  /**
   * A checkpoint becomes stable on 2f matching CHECKPOINTs instead of 2f+1 (§4.3). The
   * replica garbage-collects on a proof of 2f, which its VIEW-CHANGE carries as C (§4.4) and
   * which correct peers refuse: with the primary silent, the correct replicas' VIEW-CHANGEs
   * never make 2f+1 and the view change never completes. Observable with one faulty replica.
   */
  | 'checkpoint-stable-on-2f'
  /**
   * A STATE is accepted with a proof of f+1 matching CHECKPOINTs instead of 2f+1 (state
   * transfer, §4.3). Never a safety violation with at most f faulty replicas: f+1 signers
   * include a correct one, so the state is one a correct replica reached. But the installed
   * checkpoint's proof is short, the replica's VIEW-CHANGEs carry it and are refused, and a
   * faulty replica that sent the short proof and then falls silent stalls the view change.
   */
  | 'state-proof-on-f-plus-1'
  /**
   * P keeps the first prepared certificate per n instead of the one from the highest view
   * (§4.4: for each n, the certificate of the latest view in which it prepared). Observable
   * with one faulty replica, on a narrow schedule: A prepares at n in view v but commits
   * nowhere, B commits at n in a later view, and the V of the view after holds the stale
   * certificate for A and none for B (the faulty replica leaves its P out), so O puts A
   * where B committed.
   */
  | 'p-not-latest'
  /**
   * VIEW-CHANGE's checkpoint proof C is not verified (§4.4), so min-s, the highest stable
   * checkpoint V names, need not be proven: a faulty replica that names one beyond any
   * that exists moves min-s there, no correct replica can execute up to it, and the view
   * stalls until a view whose V leaves the liar out. Observable with one faulty replica.
   */
  | 'checkpoint-proof-not-checked'
  /**
   * The client table (last t and result per client) is left out of the checkpoint digest
   * (§4.3: the digest covers all the state execution depends on). A faulty replica's STATE
   * then passes with any table, and the lagging correct replica that installs it skips or
   * repeats requests. Observable with one faulty replica.
   */
  | 'client-table-not-in-checkpoint'
  /**
   * Votes are counted per message, not per replica (§4.2: 2f PREPAREs and 2f+1 COMMITs
   * from different replicas): a PREPARE or COMMIT that arrives twice counts twice. With f
   * twinned replicas (Twins) a side one replica short of a quorum completes it on a
   * duplicate from the network. Observable with f faulty replicas.
   */
  | 'votes-counted-per-message'
  /**
   * Committed batches execute as they commit, not in sequence-number order (§4.2: n
   * executes only after every request below it): a batch that commits while n-1 has not
   * runs, lastExecuted jumps past the hole, and the hole never runs. Observable with no
   * faulty replica, on a lossy network.
   */
  | 'execute-out-of-order'
  /**
   * A NEW-VIEW is accepted without checking that primary(v) sent it (§4.4). Not observable
   * with at most f faulty replicas: O's headers must still be signed by primary(v), and O is
   * recomputed from V, so a NEW-VIEW from another replica can only hold what the primary
   * signed; backups that enter the view on it get the primary's O entries by retransmission.
   */
  | 'new-view-author-not-checked'
  /**
   * The view-change timeout is never doubled after a view change that failed (§4.5.2), so
   * when messages take longer than T a view change fails every time. Observable with no
   * faulty replica: a network slower than T (partial synchrony).
   */
  | 'view-change-timeout-not-doubled';

export const PROTOCOL_FLAWS: readonly ProtocolFlaw[] = [
  'commit-on-2f',
  'prepare-on-2f-1',
  'new-view-o-not-recomputed',
  'p-not-checked',
  'no-pre-prepare-digest-check',
  'reply-on-f',
  'no-client-table-check',
  'request-signature-not-checked',
  'log-not-garbage-collected',
  'cas-as-put',
  'pre-prepare-overwritten',
  'read-on-f-plus-1',
  'write-on-f-plus-1-with-reads',
  'digest-not-compared',
  'tentative-on-f-plus-1',
  'restart-estimate-on-2f',
  'o-entry-slot-not-held',
  'checkpoint-stable-on-2f',
  'state-proof-on-f-plus-1',
  'p-not-latest',
  'checkpoint-proof-not-checked',
  'client-table-not-in-checkpoint',
  'votes-counted-per-message',
  'execute-out-of-order',
  'new-view-author-not-checked',
  'view-change-timeout-not-doubled',
];

/** The flaws no schedule with at most f faulty replicas can show (each one's comment above says why). */
export const NOT_OBSERVABLE_FLAWS: readonly ProtocolFlaw[] = ['new-view-author-not-checked'];

export interface Flawed {
  readonly flaws?: ReadonlySet<ProtocolFlaw>;
}

export function hasFlaw(config: Flawed, flaw: ProtocolFlaw): boolean {
  return config.flaws?.has(flaw) === true;
}

/** The quorum a replica counts COMMITs against: 2f+1, or 2f when broken. */
export function commitQuorum(config: Flawed, quorums: Quorums): number {
  return hasFlaw(config, 'commit-on-2f') ? quorums.strong - 1 : quorums.strong;
}

/** The quorums a (possibly broken) replica uses: only the PREPARE count can be broken here. */
export function replicaQuorums(config: Flawed, quorums: Quorums): Quorums {
  return hasFlaw(config, 'prepare-on-2f-1') ? { ...quorums, prepares: quorums.prepares - 1 } : quorums;
}

/** The quorums a (possibly broken) client uses: f matching replies instead of f+1. */
export function clientQuorums(config: Flawed, quorums: Quorums): Quorums {
  return hasFlaw(config, 'reply-on-f') ? { ...quorums, weak: quorums.weak - 1 } : quorums;
}

/** The client table's bytes a checkpoint digest covers (§4.3): none when broken on purpose. */
export function checkpointedClientTable(config: Flawed, table: Uint8Array): Uint8Array {
  return hasFlaw(config, 'client-table-not-in-checkpoint') ? new Uint8Array(0) : table;
}

/** The operation a (possibly broken) state machine executes: cas as a plain put when broken. */
export function executedOperation(config: Flawed, operation: Operation): Operation {
  if (!hasFlaw(config, 'cas-as-put') || operation.type !== 'cas') return operation;
  return { type: 'put', key: operation.key, value: operation.desired };
}
