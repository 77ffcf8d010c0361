// What goes into a replica and what comes out of it (house style rule 1): step() takes a
// received frame or a clock tick and returns sends, broadcasts, drops and events as data,
// for a driver to execute and for checkers and traces to read (OSDI'99 §4.1–4.5).
import type { Evidence } from './evidence.ts';
import type { DropReason, Peer } from './gateway.ts';
import type { Message, Signed, SignedRequest } from './messages.ts';
import type { OperationResult } from './operations.ts';

/**
 * Why a replica started a view change: its timer (§4.4), f+1 others (§4.5.2), a bad
 * NEW-VIEW, or a robust-primary rule (primary-monitor.ts).
 */
export type ViewChangeReason = 'timeout' | 'joined' | 'bad-new-view' | 'slow-primary' | 'unfair-primary';

export type ReplicaInput =
  | { readonly kind: 'receive'; readonly from: Peer; readonly frame: Uint8Array; readonly nowMs: number }
  | { readonly kind: 'tick'; readonly nowMs: number };

/** One request's fate at execution: its result, or undefined when skipped as already executed. */
export interface Execution {
  readonly request: SignedRequest;
  readonly result: OperationResult | undefined;
}

/** What happened, for checkers and traces; replicas never read these back. */
export type ReplicaEvent =
  | { readonly type: 'committed'; readonly view: number; readonly seq: number; readonly digest: Uint8Array }
  | {
      readonly type: 'executed';
      readonly view: number;
      readonly seq: number;
      readonly digest: Uint8Array;
      readonly executions: readonly Execution[];
    }
  | { readonly type: 'checkpoint'; readonly seq: number; readonly digest: Uint8Array }
  | { readonly type: 'stable-checkpoint'; readonly seq: number; readonly digest: Uint8Array }
  | { readonly type: 'checkpoint-mismatch'; readonly seq: number; readonly own: Uint8Array; readonly certified: Uint8Array }
  /** Sent VIEW-CHANGE for `view` (§4.4); `reason` says why. */
  | { readonly type: 'view-change'; readonly view: number; readonly reason: ViewChangeReason; readonly prepared: readonly number[] }
  /** Accepted (or, as primary, sent) NEW-VIEW for `view`. */
  | { readonly type: 'new-view'; readonly view: number; readonly minS: number; readonly maxS: number; readonly nulls: number }
  /** Installed the state of stable checkpoint `seq` from a peer. */
  | { readonly type: 'state-transfer'; readonly seq: number; readonly from: number }
  /**
   * Its own state proved wrong (checkpoint-mismatch), it went back from `fromSeq` to the
   * certified state at `toSeq`, and executes the committed batches above it again.
   */
  | { readonly type: 'state-rollback'; readonly fromSeq: number; readonly toSeq: number }
  /** A replica restarted without memory votes again, from `view` on. */
  | { readonly type: 'voting-resumed'; readonly view: number }
  /** It kept its first evidence against `evidence.culprit` for this kind (evidence.ts). */
  | { readonly type: 'evidence'; readonly evidence: Evidence };

/**
 * Outputs come in the order they must take effect. A driver appends each `persist` record
 * to its WAL and makes every appended record durable (one sync may cover many) before it
 * executes any later `send` or `broadcast`: the records are what those messages bind the
 * replica to (durability.ts). A `checkpoint` is written atomically, then, if `truncate`,
 * the WAL segments before it may be dropped.
 */
export type ReplicaOutput =
  | { readonly kind: 'persist'; readonly record: Uint8Array }
  | { readonly kind: 'checkpoint'; readonly seq: number; readonly bytes: Uint8Array; readonly truncate: boolean }
  | { readonly kind: 'send'; readonly to: Peer; readonly signed: Signed }
  /** To every other replica. */
  | { readonly kind: 'broadcast'; readonly signed: Signed }
  | {
      readonly kind: 'drop';
      readonly from: Peer;
      readonly reason: DropReason;
      readonly detail: string;
      readonly messageType?: Message['type'];
    }
  | { readonly kind: 'event'; readonly event: ReplicaEvent };
