// The PBFT message union (Castro & Liskov, OSDI'99 §4; TOCS 2002).
// Names and fields follow the paper. Every message is signed by its sender
// (a client for REQUEST, a replica otherwise); the signature covers the canonical
// encoding in encoding.ts. VIEW-CHANGE and NEW-VIEW have reserved type tags there
// and join this union with the view-change work.
import type { Operation, OperationResult } from './operations.ts';

/** ⟨REQUEST, o, t, c⟩σc (§4.1). `timestamp` orders one client's requests. */
export interface Request {
  readonly type: 'request';
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

export type Message = Request | PrePrepare | Prepare | Commit | Checkpoint | Reply | Status;
export type MessageType = Message['type'];

/** A decoded message with the bytes its signature covers and the signature. */
export interface Signed<M extends Message = Message> {
  readonly message: M;
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** The whole frame as received or sent, for retransmission and certificates. */
  readonly frame: Uint8Array;
}

export type SignedRequest = Signed<Request>;

/** Replica messages carry their sender's id; requests carry the client's. */
export function signerOf(message: Message): { readonly kind: 'replica' | 'client'; readonly id: number } {
  return message.type === 'request'
    ? { kind: 'client', id: message.client }
    : { kind: 'replica', id: message.replica };
}

export function assertNever(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
