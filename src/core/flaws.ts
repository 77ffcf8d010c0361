// Deliberately broken protocol variants, to show that the checkers catch a broken
// protocol (issue "Adversaries", item 7b). Each removes one rule the safety argument of
// OSDI'99 §4 leans on. Only tests set them: neither the CLI nor scenario files can, and
// a replica without `flaws` in its config runs the protocol as the paper gives it.
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
  | 'tentative-on-f-plus-1';

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
];

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

/** The operation a (possibly broken) state machine executes: cas as a plain put when broken. */
export function executedOperation(config: Flawed, operation: Operation): Operation {
  if (!hasFlaw(config, 'cas-as-put') || operation.type !== 'cas') return operation;
  return { type: 'put', key: operation.key, value: operation.desired };
}
