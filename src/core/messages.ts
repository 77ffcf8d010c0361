// The PBFT message union (Castro & Liskov, OSDI'99 §4; TOCS 2002).
// Names and fields follow the paper. Every message is signed by its sender
// (a client for REQUEST, a replica otherwise); the signature covers the canonical
// encoding in encoding.ts. Certificates inside VIEW-CHANGE, NEW-VIEW, state transfer and
// commit certificates are nested signed frames, checked one by one by the gateway.
import type { Operation, OperationResult } from './operations.ts';
import type { PancydbSnapshot } from './pancydb.ts';

/** ⟨REQUEST, o, t, c⟩σc (§4.1). `timestamp` orders one client's requests. */
export interface Request {
  readonly type: 'request';
  readonly operation: Operation;
  readonly timestamp: number;
  readonly client: number;
}

/**
 * A read-only request (OSDI'99 §5.1): ⟨REQUEST, o, t, c⟩ with the read-only flag, here a
 * type of its own. Sent to every replica and executed at once, without ordering; the client
 * accepts 2f+1 matching replies (read-only.ts says why 2f+1). Never ordered, so it leaves
 * the client table alone, and never carried inside another message.
 */
export interface ReadRequest {
  readonly type: 'read';
  readonly operation: Operation;
  readonly timestamp: number;
  readonly client: number;
}

/**
 * ⟨⟨PRE-PREPARE, v, n, d⟩σp, m⟩ (§4.2): the signature covers the header only, and
 * the batch m travels beside it, so that a certificate can carry the header alone.
 * `d` is the SHA-256 of the encoded batch.
 */
export interface PrePrepare {
  readonly type: 'pre-prepare';
  readonly view: number;
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly replica: number;
  /** The batch m: each request keeps its client's signature. */
  readonly batch: readonly SignedRequest[];
}

/** ⟨PREPARE, v, n, d, i⟩σi (§4.2). */
export interface Prepare {
  readonly type: 'prepare';
  readonly view: number;
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly replica: number;
}

/** ⟨COMMIT, v, n, D(m), i⟩σi (§4.2). */
export interface Commit {
  readonly type: 'commit';
  readonly view: number;
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly replica: number;
}

/** ⟨CHECKPOINT, n, d, i⟩σi (§4.3): d digests the state after executing n. */
export interface Checkpoint {
  readonly type: 'checkpoint';
  readonly seq: number;
  readonly digest: Uint8Array;
  readonly replica: number;
}

/** ⟨REPLY, v, t, c, i, r⟩σi (§4.1). */
export interface Reply {
  readonly type: 'reply';
  readonly view: number;
  readonly timestamp: number;
  readonly client: number;
  readonly replica: number;
  readonly result: OperationResult;
  /** Sent once the request prepared, before it committed (OSDI'99 §5.1, tentative.ts). */
  readonly tentative?: true;
}

/**
 * ⟨REPLY, v, t, c, i, D(r)⟩: a reply carrying the digest of the result instead of the
 * result (OSDI'99 §5.1, digest replies): only one designated replica sends r in full.
 * digest-replies.ts says who, and what the client does with it.
 */
export interface ReplyDigest {
  readonly type: 'reply-digest';
  readonly view: number;
  readonly timestamp: number;
  readonly client: number;
  readonly replica: number;
  /** SHA-256 of the encoded result (operation-encoding.ts). */
  readonly digest: Uint8Array;
  /** As for REPLY (tentative.ts). */
  readonly tentative?: true;
}

/**
 * ⟨STATUS, v, h, le, i⟩σi: not in the OSDI paper's normal case, but the BFT
 * library's answer to lost messages (Castro & Liskov, TOCS 2002): each
 * replica periodically says how far it got, and peers retransmit what it lacks.
 */
export interface Status {
  readonly type: 'status';
  readonly view: number;
  readonly stableSeq: number;
  readonly lastExecuted: number;
  readonly replica: number;
}

/** A PRE-PREPARE header ⟨v, n, d⟩σp without its batch: what certificates and O carry (§4.4). */
export type PrePrepareHeader = Omit<PrePrepare, 'batch'>;

/**
 * A prepared certificate (§4.2, §4.4): the PRE-PREPARE header signed by primary(v) and
 * 2f PREPAREs for the same (v, n, d) from distinct replicas other than primary(v).
 */
export interface PreparedCertificate {
  readonly prePrepare: Signed<PrePrepareHeader>;
  readonly prepares: readonly Signed<Prepare>[];
}

/**
 * ⟨VIEW-CHANGE, v+1, n, C, P, i⟩σi (§4.4): n is the last stable checkpoint, C its 2f+1
 * signed CHECKPOINTs (empty for n = 0), P a prepared certificate per sequence number
 * above n, each from the highest view in which it prepared at i.
 */
export interface ViewChange {
  readonly type: 'view-change';
  readonly newView: number;
  readonly stableSeq: number;
  readonly checkpointProof: readonly Signed<Checkpoint>[];
  readonly prepared: readonly PreparedCertificate[];
  readonly replica: number;
}

/**
 * ⟨NEW-VIEW, v+1, V, O⟩σp (§4.4): V holds 2f+1 VIEW-CHANGEs for v+1 from distinct
 * replicas, O a PRE-PREPARE header for every n in (min-s, max-s], signed by the new primary.
 */
export interface NewView {
  readonly type: 'new-view';
  readonly newView: number;
  readonly viewChanges: readonly Signed<ViewChange>[];
  readonly prePrepares: readonly Signed<PrePrepareHeader>[];
  readonly replica: number;
}

/** Asks peers for the batch whose digest is d: O carries digests only (§4.4). */
export interface FetchBatch {
  readonly type: 'fetch-batch';
  readonly digest: Uint8Array;
  readonly replica: number;
}

/** A batch sent in answer to FETCH-BATCH; the receiver checks that it hashes to d. */
export interface BatchReply {
  readonly type: 'batch';
  readonly digest: Uint8Array;
  readonly batch: readonly SignedRequest[];
  readonly replica: number;
}

/**
 * State transfer (§4.3, TOCS 2002): the state at a stable checkpoint, with the 2f+1
 * CHECKPOINTs that certify its digest, so the receiver installs it only if it hashes to
 * the certified digest.
 */
export interface StateTransfer {
  readonly type: 'state';
  readonly seq: number;
  readonly proof: readonly Signed<Checkpoint>[];
  readonly store: PancydbSnapshot;
  readonly clients: readonly ClientEntry[];
  readonly replica: number;
}

/** One row of the client table inside a state transfer: client, last t, its result. */
export type ClientEntry = readonly [client: number, timestamp: number, result: OperationResult];

/**
 * A committed batch for a replica that missed it: the PRE-PREPARE with its batch and
 * 2f+1 matching COMMITs from distinct replicas (§4.2 committed-local, as a proof).
 */
export interface CommitCertificate {
  readonly type: 'commit-certificate';
  readonly prePrepare: Signed<PrePrepare>;
  readonly commits: readonly Signed<Commit>[];
  readonly replica: number;
}

/**
 * ⟨RECOVERY-QUERY, nonce, i⟩σi: a replica restarted without memory asks its peers for their
 * views, so it can tell which views it may have voted in before it crashed. The nonce is
 * fresh per incarnation, so no reply sent before the restart can be taken for an answer
 * (the TOCS 2002 recovery protocol uses a nonce for the same reason). See restart-guard.ts.
 */
export interface RecoveryQuery {
  readonly type: 'recovery-query';
  readonly nonce: Uint8Array;
  readonly replica: number;
}

/**
 * ⟨RECOVERY-REPLY, nonce, v, h, C, proof, i⟩σi: the sender's view v, for the query with
 * this nonce, with evidence that v is within reach: the newest VIEW-CHANGEs the sender
 * holds, from distinct replicas (at most f+1 of them). A view is credited only as far as
 * f+1 distinct signers vouch for it, plus one. h is the sender's stable checkpoint, C its
 * 2f+1 CHECKPOINTs (empty for h = 0). restart-guard.ts says what each is for.
 */
export interface RecoveryReply {
  readonly type: 'recovery-reply';
  readonly nonce: Uint8Array;
  readonly view: number;
  readonly stableSeq: number;
  readonly checkpointProof: readonly Signed<Checkpoint>[];
  readonly proof: readonly Signed<ViewChange>[];
  readonly replica: number;
}

export type Message =
  | Request
  | ReadRequest
  | PrePrepare
  | Prepare
  | Commit
  | Checkpoint
  | Reply
  | ReplyDigest
  | Status
  | ViewChange
  | NewView
  | FetchBatch
  | BatchReply
  | StateTransfer
  | CommitCertificate
  | RecoveryQuery
  | RecoveryReply;
export type MessageType = Message['type'];

/**
 * A decoded message with the bytes its signature (or its MACs) cover and the signature.
 * The MAC form of a REQUEST or REPLY (encoding.ts, auth.ts) also has an authenticator; a
 * REPLY in that form has an empty signature, which no verification accepts.
 */
export interface Signed<M extends { readonly type: string } = Message> {
  readonly message: M;
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** MAC form only: 16-byte MACs, one per replica (REQUEST) or one for the client (REPLY). */
  readonly authenticator?: Uint8Array;
  /** The whole frame as received or sent, for retransmission and certificates. */
  readonly frame: Uint8Array;
}

export type SignedRequest = Signed<Request>;

/** Replica messages carry their sender's id; requests carry the client's. */
export function signerOf(message: Message): { readonly kind: 'replica' | 'client'; readonly id: number } {
  return message.type === 'request' || message.type === 'read'
    ? { kind: 'client', id: message.client }
    : { kind: 'replica', id: message.replica };
}

export function assertNever(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
