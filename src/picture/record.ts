// A run as the picture draws it (`--html`, `--svg`, `pancydb picture`): who took part, every
// message with when it left and when (or whether) it arrived, the moments replicas changed
// views, what faulty replicas' adversaries did, each client operation from call to return,
// and the checkers' verdict. A simulated run and a real cluster's logs both become one of
// these, so the two look the same; only `source` and the clock differ.
//
// Times are milliseconds from the start of the run: simulated time for the simulator, wall
// time since the earliest logged event for a real cluster (one machine's clock, or several
// machines' clocks, which may disagree by their skew).
import type { EvidenceFileItem } from '../check/evidence-file.ts';

export const RUN_RECORD_FORMAT = 'pancydb-run/v1';

/** A lane: 'r0'..'r{n-1}' for replicas, 'c0'.. for clients. */
export type LaneId = `r${number}` | `c${number}`;

export interface Lane {
  readonly id: LaneId;
  readonly kind: 'replica' | 'client';
  readonly index: number;
  /** A Byzantine replica or client: the adversary's name (and options, as given). */
  readonly faulty?: { readonly adversary: string; readonly options?: string };
}

/** The message types the picture colours apart; the wire's MessageType names (core/messages.ts). */
export type PictureMessageType =
  | 'request'
  | 'read'
  | 'pre-prepare'
  | 'prepare'
  | 'commit'
  | 'checkpoint'
  | 'reply'
  | 'reply-digest'
  | 'status'
  | 'view-change'
  | 'new-view'
  | 'fetch-batch'
  | 'batch'
  | 'state'
  | 'commit-certificate'
  | 'recovery-query'
  | 'recovery-reply';

export interface MessageRecord {
  readonly from: LaneId;
  readonly to: LaneId;
  readonly type: PictureMessageType;
  readonly sentMs: number;
  /** Absent when it never arrived: see `lost`. */
  readonly receivedMs?: number;
  /**
   * Why it never arrived ('loss', 'partition', 'crashed', 'silent' in the simulator; there also
   * 'receiver-crashed': it reached a replica that was down, and 'run-ended': still on the wire
   * when the run stopped; 'unmatched' for a real cluster's send with no logged receive),
   * absent when it arrived.
   */
  readonly lost?: string;
  /** It arrived, and the receiver dropped it: the gateway's or the core's reason (core/gateway.ts). */
  readonly dropped?: string;
  /** With `dropped`: the receiver's words for why ("v=0 < 1"). */
  readonly dropDetail?: string;
  /**
   * The network delivered this message twice (simulator --duplicate): this is the second
   * copy, with the same sentMs. Counting messages sent, skip these.
   */
  readonly duplicate?: boolean;
  readonly view?: number;
  readonly seq?: number;
  /** First bytes of the digest it carries, hex, when it carries one. */
  readonly digest?: string;
  /** The replica or client whose key authenticates it (for REQUEST the client, otherwise `from`). */
  readonly signer: LaneId;
  /** Sent by a faulty lane. */
  readonly faulty?: boolean;
  /** Decoded fields in one line, as `-V` prints them ("PREPARE v=0 n=3 d=ab12cd"). */
  readonly text: string;
}

/** A replica's state change on its lane. */
export interface LaneEvent {
  readonly lane: LaneId;
  readonly atMs: number;
  readonly kind:
    | 'execute'
    | 'checkpoint'
    | 'stable-checkpoint'
    | 'start-view-change'
    | 'enter-view'
    | 'state-transfer'
    | 'state-rollback'
    | 'crash'
    | 'restart'
    | 'voting-resumed'
    | 'evidence'
    /** Something a faulty lane's adversary did, in its own words. */
    | 'adversary'
    /** The simulator's fault: everything this replica sends is lost, from atMs to untilMs. */
    | 'silent'
    /** The simulator's fault: this replica's links to the replicas in `text` are cut, from atMs to untilMs. */
    | 'partition';
  /** For a fault that lasts ('silent', 'partition', 'crash' with a restart): when it ends; absent: to the end of the run. */
  readonly untilMs?: number;
  readonly view?: number;
  readonly seq?: number;
  readonly text: string;
}

/** One view as a band: when each replica entered it (absent: never did). */
export interface ViewBand {
  readonly view: number;
  readonly primary: number;
  /** Replica index -> ms it entered the view (view 0: 0 for all). */
  readonly entered: Readonly<Record<string, number>>;
}

/** One client operation, from call to return (Porcupine's bar). */
export interface OperationRecord {
  readonly client: number;
  readonly callMs: number;
  /** Absent when it never returned. */
  readonly returnMs?: number;
  /** "put k1=\"v\" vm=3" */
  readonly operation: string;
  /** "ok ver=4 value=..." when it returned. */
  readonly result?: string;
  /** On a violation, the operations the checker names. */
  readonly offending?: boolean;
}

export interface Verdict {
  /** Every checker passed. */
  readonly ok: boolean;
  /** 'linearizable', 'not-linearizable' or 'unknown' (it ran out of steps); absent if not checked. */
  readonly linearizability?: string;
  readonly violations: readonly { readonly property: string; readonly detail: string; readonly atMs?: number }[];
}

export interface RunRecord {
  readonly format: typeof RUN_RECORD_FORMAT;
  readonly source:
    | { readonly kind: 'simulator'; readonly seed: number; readonly scenario?: string; readonly replay: string }
    | { readonly kind: 'cluster'; readonly clusterId: string; readonly logs: readonly string[] };
  readonly title: string;
  readonly n: number;
  readonly f: number;
  readonly auth: string;
  readonly endMs: number;
  readonly lanes: readonly Lane[];
  readonly messages: readonly MessageRecord[];
  readonly events: readonly LaneEvent[];
  readonly views: readonly ViewBand[];
  readonly operations: readonly OperationRecord[];
  readonly verdict: Verdict;
  /** Evidence of equivocation correct replicas kept, as `pancydb verify-evidence` reads it. */
  readonly evidence: readonly EvidenceFileItem[];
  /**
   * Present when the recorder reached its bound (picture/sim-recorder.ts) and kept nothing
   * more of a kind from `atMs` on: how many messages and lane events it left out.
   */
  readonly truncated?: { readonly atMs: number; readonly messages: number; readonly events: number };
}
