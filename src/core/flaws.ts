// Deliberately broken protocol variants, to show that the checkers catch a broken
// protocol (issue "Adversaries", item 7b). Each removes one rule the safety argument of
// OSDI'99 §4 leans on. Only tests set them: neither the CLI nor scenario files can, and
// a replica without `flaws` in its config runs the protocol as the paper gives it.
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
  | 'reply-on-f';

export const PROTOCOL_FLAWS: readonly ProtocolFlaw[] = [
  'commit-on-2f',
  'prepare-on-2f-1',
  'new-view-o-not-recomputed',
  'p-not-checked',
  'no-pre-prepare-digest-check',
  'reply-on-f',
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
