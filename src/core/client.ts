// A PBFT client as a pure state machine (OSDI'99 §4.1). It sends ⟨REQUEST, o, t, c⟩σc
// (in 'mac' mode also with one MAC per replica, auth.ts) to the replica it believes is
// primary, accepts a result once f+1 replicas sent validly signed (or MACed), matching REPLYs for t, and on timeout retransmits to all replicas
// with bounded exponential backoff. One request is outstanding at a time.
import { bytesKey } from './bytes.ts';
import { decodeMessage, encodeMacRequest, encodeSigned } from './encoding.ts';
import { requestAuthenticator, sessionKeysOf, type AuthMode } from './auth.ts';
import type { SessionKeys } from '../crypto/session-keys.ts';
import { encodeResult } from './operation-encoding.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { Peer } from './gateway.ts';
import { resultDigest } from './digest-replies.ts';
import type { ReadRequest, Reply, ReplyDigest, Request, Signed } from './messages.ts';
import type { Operation, OperationResult } from './operations.ts';
import { clientQuorums, hasFlaw, type Flawed } from './flaws.ts';
import { CLIENT_FRAME_MAX_BYTES } from './limits.ts';
import { primaryOf, quorumsFor, type Quorums } from './quorum.ts';

export interface ClientConfig extends Flawed {
  readonly id: number;
  readonly n: number;
  readonly keyPair: KeyPair;
  readonly crypto: Crypto;
  readonly replicaKeys: readonly Uint8Array[];
  /** First retransmission timeout; it doubles per retry up to `maxTimeoutMs`. */
  readonly initialTimeoutMs: number;
  readonly maxTimeoutMs: number;
  /**
   * How t is chosen (§4.1). 'counter' (the default) counts from 1: fine for a client that
   * never restarts, such as the simulator's. 'clock' takes the time of the submit input in
   * microseconds, or one more than the last t if that is later: a client restarted with the
   * same key never reuses a t, so it never receives another operation's cached reply. A
   * real client process must use 'clock', fed a clock that does not step back (wall time).
   */
  readonly timestamps?: 'counter' | 'clock';
  /** How requests and replies are authenticated (auth.ts); 'signed' when absent. */
  readonly auth?: AuthMode;
  /** Separates this cluster's session keys from any other's ('mac' mode). */
  readonly authDomain?: Uint8Array;
  /**
   * Read-only requests (OSDI'99 §5.1, read-only.ts): a get goes to every replica first and
   * needs 2f+1 matching replies, and so does every ordered request. A cluster-wide choice:
   * one client accepting writes on f+1 would let another's read be stale.
   */
  readonly readOnly?: boolean;
  /** Digest replies (OSDI'99 §5.1, digest-replies.ts): must match the replicas' setting. */
  readonly digestReplies?: boolean;
  /** Tentative execution (OSDI'99 §5.1, tentative.ts): 2f+1 matching replies, tentative or not, make a result. */
  readonly tentativeExecution?: boolean;
}

/** The largest REPLY a client decodes: a request's worth of value plus a generous header. */
export const REPLY_FRAME_MAX_BYTES = CLIENT_FRAME_MAX_BYTES + 1024;

/** t for a request submitted at `nowMs` when the last one used `last` (see ClientConfig.timestamps). */
export function nextTimestamp(mode: 'counter' | 'clock', last: number, nowMs: number): number {
  return mode === 'clock' ? Math.max(last + 1, Math.floor(nowMs * 1000)) : last + 1;
}

export type ClientInput =
  | { readonly kind: 'submit'; readonly operation: Operation; readonly nowMs: number }
  | { readonly kind: 'receive'; readonly from: Peer; readonly frame: Uint8Array; readonly nowMs: number }
  | { readonly kind: 'tick'; readonly nowMs: number };

export type ClientOutput =
  | { readonly kind: 'send'; readonly to: number; readonly signed: Signed<Request | ReadRequest> }
  | { readonly kind: 'broadcast'; readonly signed: Signed<Request | ReadRequest> }
  | {
      readonly kind: 'result';
      readonly timestamp: number;
      readonly operation: Operation;
      readonly result: OperationResult;
      readonly submittedAtMs: number;
      /** Replicas whose matching replies made up the f+1. */
      readonly replicas: readonly number[];
    }
  | { readonly kind: 'drop'; readonly from: Peer; readonly reason: ClientDropReason; readonly detail: string };

export type ClientDropReason = 'frame-too-large' | 'malformed' | 'not-a-reply' | 'sender-not-signer' | 'bad-signature' | 'stale-reply' | 'wrong-auth-form';

interface Outstanding {
  readonly signed: Signed<Request | ReadRequest>;
  /** 'read': read-only, sent to every replica (§5.1); 'ordered': the protocol of §4. */
  readonly path: 'read' | 'ordered';
  readonly submittedAtMs: number;
  timeoutMs: number;
  retransmitAtMs: number;
  /** Unverified replies for t, by replica (each replica's first reply counts): results, or their digests. */
  readonly replies: Map<number, Signed<Reply | ReplyDigest>>;
  /** Replicas whose reply signature was checked and found valid. */
  readonly verified: Set<number>;
}

/** How much a reply tells: a full result beats a digest, and a committed reply a tentative one. */
function replyRank(reply: Reply | ReplyDigest): number {
  return (reply.type === 'reply' ? 2 : 0) + (reply.tentative === true ? 0 : 1);
}

export class Client {
  readonly quorums: Quorums;
  /** The view the client believes current: adopted only when f+1 replies report it. */
  view = 0;
  private timestamp = 0;
  private outstanding: Outstanding | undefined;
  /** t of the last accepted request: its remaining replies arrive late and are expected. */
  private lastAccepted = 0;
  /** Highest view each replica reported in a valid reply. */
  private readonly reportedViews = new Map<number, number>();
  private outputs: ClientOutput[] = [];
  /** 'mac' mode: keys shared with each replica (auth.ts); undefined in 'signed' mode. */
  private readonly sessionKeys: SessionKeys | undefined;

  constructor(readonly config: ClientConfig) {
    this.quorums = clientQuorums(config, quorumsFor(config.n));
    if (config.replicaKeys.length !== config.n) throw new Error(`replicaKeys must hold n=${config.n} keys`);
    const auth = config.auth ?? 'signed';
    if (auth !== 'signed' && auth !== 'mac') throw new Error(`auth must be 'signed' or 'mac', got ${String(auth)}`);
    // A client needs no other client's key: it only talks to replicas.
    this.sessionKeys = auth === 'mac' ? sessionKeysOf({ kind: 'client', id: config.id }, { ...config, clientKey: () => undefined }) : undefined;
    if (config.timestamps !== undefined && config.timestamps !== 'counter' && config.timestamps !== 'clock') {
      throw new Error(`timestamps must be 'counter' or 'clock', got ${String(config.timestamps)}`);
    }
    if (!(config.initialTimeoutMs > 0 && config.maxTimeoutMs >= config.initialTimeoutMs)) {
      throw new Error('initialTimeoutMs must be positive and maxTimeoutMs at least initialTimeoutMs');
    }
  }

  get busy(): boolean {
    return this.outstanding !== undefined;
  }

  step(input: ClientInput): ClientOutput[] {
    this.outputs = [];
    switch (input.kind) {
      case 'submit':
        this.onSubmit(input.operation, input.nowMs);
        break;
      case 'receive':
        this.onReceive(input.from, input.frame, input.nowMs);
        break;
      case 'tick':
        this.onTick(input.nowMs);
        break;
    }
    return this.outputs;
  }

  private onSubmit(operation: Operation, nowMs: number): void {
    if (this.outstanding !== undefined) throw new Error(`client ${this.config.id} already has a request outstanding`);
    if (this.config.readOnly === true && operation.type === 'get') {
      const read = this.encode<ReadRequest>({ type: 'read', operation, timestamp: this.nextTimestamp(nowMs), client: this.config.id });
      this.outstanding = this.newOutstanding(read, 'read', nowMs, nowMs);
      this.outputs.push({ kind: 'broadcast', signed: read });
      return;
    }
    this.sendOrdered(operation, nowMs, nowMs);
  }

  /** ⟨REQUEST, o, t, c⟩ to the primary we believe in (§4.1). */
  private sendOrdered(operation: Operation, submittedAtMs: number, nowMs: number): void {
    const signed = this.encode<Request>({ type: 'request', operation, timestamp: this.nextTimestamp(nowMs), client: this.config.id });
    this.outstanding = this.newOutstanding(signed, 'ordered', submittedAtMs, nowMs);
    this.outputs.push({ kind: 'send', to: primaryOf(this.view, this.config.n), signed });
  }

  private nextTimestamp(nowMs: number): number {
    this.timestamp = nextTimestamp(this.config.timestamps ?? 'counter', this.timestamp, nowMs);
    return this.timestamp;
  }

  private encode<R extends Request | ReadRequest>(request: R): Signed<R> {
    const sign = (bytes: Uint8Array) => this.config.crypto.sign(this.config.keyPair, bytes);
    const keys = this.sessionKeys;
    return keys === undefined ? encodeSigned(request, sign) : encodeMacRequest(request, sign, (bytes) => requestAuthenticator(keys, this.config.n, bytes));
  }

  private newOutstanding(signed: Signed<Request | ReadRequest>, path: Outstanding['path'], submittedAtMs: number, nowMs: number): Outstanding {
    const timeoutMs = this.config.initialTimeoutMs;
    return { signed, path, submittedAtMs, timeoutMs, retransmitAtMs: nowMs + timeoutMs, replies: new Map(), verified: new Set() };
  }

  /**
   * §5.1: a read that found no 2f+1 matching replies in time, or can no longer find them,
   * is sent again as an ordered request, under a new t so that no late reply to the read
   * can count for it.
   */
  private fallBack(outstanding: Outstanding, nowMs: number): void {
    this.sendOrdered(outstanding.signed.message.operation, outstanding.submittedAtMs, nowMs);
  }

  /** §4.1: on timeout, send to all replicas; backups relay to the primary. */
  private onTick(nowMs: number): void {
    const outstanding = this.outstanding;
    if (outstanding === undefined || nowMs < outstanding.retransmitAtMs) return;
    if (outstanding.path === 'read') return this.fallBack(outstanding, nowMs);
    outstanding.timeoutMs = Math.min(outstanding.timeoutMs * 2, this.config.maxTimeoutMs);
    outstanding.retransmitAtMs = nowMs + outstanding.timeoutMs;
    this.outputs.push({ kind: 'broadcast', signed: outstanding.signed });
  }

  private onReceive(from: Peer, frame: Uint8Array, nowMs: number): void {
    // A REPLY carries one result: a value no larger than a request could write, plus a
    // fixed header. Anything bigger is not a reply, and is not decoded.
    if (frame.length > REPLY_FRAME_MAX_BYTES) return this.drop(from, 'frame-too-large', `${frame.length} bytes, at most ${REPLY_FRAME_MAX_BYTES}`);
    let signed;
    try {
      signed = decodeMessage(frame);
    } catch (error) {
      this.drop(from, 'malformed', error instanceof Error ? error.message : 'undecodable');
      return;
    }
    if (signed.message.type !== 'reply' && signed.message.type !== 'reply-digest') return this.drop(from, 'not-a-reply', signed.message.type);
    if (signed.message.type === 'reply-digest' && this.config.digestReplies !== true) return this.drop(from, 'not-a-reply', 'a digest reply, and digest replies are off');
    const reply = signed as Signed<Reply | ReplyDigest>;
    if ((reply.authenticator !== undefined) !== (this.sessionKeys !== undefined)) {
      return this.drop(from, 'wrong-auth-form', reply.authenticator === undefined ? "a signed reply in 'mac' mode" : "a MAC reply in 'signed' mode");
    }
    const { replica, client, timestamp } = reply.message;
    if (from.kind !== 'replica' || from.id !== replica || replica >= this.config.n) {
      return this.drop(from, 'sender-not-signer', `reply claims replica ${replica}`);
    }
    const outstanding = this.outstanding;
    if (client === this.config.id && timestamp === this.lastAccepted) return;
    if (outstanding === undefined || client !== this.config.id || timestamp !== outstanding.signed.message.timestamp) {
      return this.drop(from, 'stale-reply', `t=${timestamp}`);
    }
    // Each replica's first genuine reply counts. An earlier reply in its name is checked
    // now: if it was forged, it is forgotten and this one takes its place.
    // A full result may take the place of the same replica's digest, and a committed reply
    // that of its tentative one: the answers to a retransmission (digest-replies.ts, tentative.ts).
    const held = outstanding.replies.get(replica)?.message;
    const upgrade = held !== undefined && replyRank(reply.message) > replyRank(held);
    if (!upgrade && outstanding.replies.has(replica) && this.verifyReply(outstanding, replica, from)) return;
    outstanding.verified.delete(replica);
    outstanding.replies.set(replica, reply);
    this.tryAccept(outstanding, from, nowMs);
  }

  /**
   * Accepts once f+1 distinct replicas sent the same result (§4.1). Signatures are
   * checked only for replies in a group that could reach f+1, so a correct run
   * verifies about f+1 replies per request.
   */
  private tryAccept(outstanding: Outstanding, from: Peer, nowMs: number): void {
    const needed = this.repliesNeeded(outstanding.path);
    const groups = this.groupReplies(outstanding);
    let largest = 0;
    for (const group of groups.values()) {
      largest = Math.max(largest, group.length);
      if (group.length < needed) continue;
      const valid = group.filter((replica) => this.verifyReply(outstanding, replica, from));
      // §5.1: digests vouch for a result, but the result itself must come from someone.
      const full = valid.find((replica) => outstanding.replies.get(replica)!.message.type === 'reply');
      if (full === undefined) continue;
      const ordered = [full, ...valid.filter((replica) => replica !== full)];
      const committed = valid.filter((replica) => outstanding.replies.get(replica)!.message.tentative !== true);
      if (committed.length >= needed) return this.accept(outstanding, ordered, needed);
      // §5.1, tentative.ts: 2f+1 matching replies, tentative or not, the tentative ones all
      // of one view: then each correct one among them prepared in that view (or committed),
      // and f+1 correct replicas that prepared in one view make the batch committed there.
      // Tentative replies of different views prove no such thing.
      const mixed = this.tentativeRepliesNeeded();
      if (this.config.tentativeExecution === true && this.tentativeQuorum(outstanding, valid, committed.length, mixed)) return this.accept(outstanding, ordered, mixed);
    }
    // §5.1: replies that disagree so much that no result can reach 2f+1 send the read down the ordered path.
    if (outstanding.path === 'read' && largest + (this.config.n - outstanding.replies.size) < needed) this.fallBack(outstanding, nowMs);
  }

  /**
   * Replicas by the result they vouch for. A full reply's result and a digest reply's D(r)
   * fall in one group only if the digest is the SHA-256 of that result (digest-replies.ts).
   */
  private groupReplies(outstanding: Outstanding): Map<string, number[]> {
    const groups = new Map<string, number[]>();
    const digests = this.config.digestReplies === true;
    const add = (key: string, replica: number) => groups.set(key, [...(groups.get(key) ?? []), replica]);
    for (const [replica, reply] of outstanding.replies) {
      const message = reply.message;
      if (message.type === 'reply') add(digests ? bytesKey(resultDigest(this.config.crypto, message.result)) : bytesKey(encodeResult(message.result)), replica);
      else if (!hasFlaw(this.config, 'digest-not-compared')) add(bytesKey(message.digest), replica);
    }
    // Broken on purpose (flaws.ts): a digest reply counts for every result, whatever its digest.
    if (hasFlaw(this.config, 'digest-not-compared')) {
      for (const [replica, reply] of outstanding.replies) if (reply.message.type === 'reply-digest') for (const group of groups.values()) group.push(replica);
    }
    return groups;
  }

  /** Whether committed replies plus the tentative ones of some single view reach `needed`. */
  private tentativeQuorum(outstanding: Outstanding, valid: readonly number[], committed: number, needed: number): boolean {
    const byView = new Map<number, number>();
    for (const replica of valid) {
      const message = outstanding.replies.get(replica)!.message;
      if (message.tentative === true) byView.set(message.view, (byView.get(message.view) ?? 0) + 1);
    }
    for (const count of byView.values()) if (committed + count >= needed) return true;
    return false;
  }

  /** Matching replies, tentative ones counted, that make a result: 2f+1, or f+1 when broken on purpose (flaws.ts). */
  private tentativeRepliesNeeded(): number {
    return hasFlaw(this.config, 'tentative-on-f-plus-1') ? this.quorums.weak : this.quorums.strong;
  }

  /** Matching replies a result needs: f+1 (§4.1), or 2f+1 for reads and, while reads take their path, for everything (read-only.ts). */
  private repliesNeeded(path: Outstanding['path']): number {
    if (this.config.readOnly !== true) return this.quorums.weak;
    const broken = hasFlaw(this.config, path === 'read' ? 'read-on-f-plus-1' : 'write-on-f-plus-1-with-reads');
    return broken ? this.quorums.weak : this.quorums.strong;
  }

  private verifyReply(outstanding: Outstanding, replica: number, from: Peer): boolean {
    if (outstanding.verified.has(replica)) return true;
    const reply = outstanding.replies.get(replica)!;
    const keys = this.sessionKeys;
    const genuine = keys === undefined
      ? this.config.crypto.verify(this.config.replicaKeys[replica]!, reply.signedBytes, reply.signature)
      : keys.verifyTag({ kind: 'replica', id: replica }, reply.signedBytes, reply.authenticator!);
    if (genuine) {
      outstanding.verified.add(replica);
      return true;
    }
    // A forged reply is forgotten, so a later genuine one from that replica can count.
    outstanding.replies.delete(replica);
    this.drop(from, 'bad-signature', `reply of replica ${replica}`);
    return false;
  }

  private accept(outstanding: Outstanding, replicas: number[], needed: number): void {
    for (const replica of replicas) {
      const view = outstanding.replies.get(replica)!.message.view;
      this.reportedViews.set(replica, Math.max(view, this.reportedViews.get(replica) ?? 0));
    }
    this.adoptView();
    const first = outstanding.replies.get(replicas[0]!)! as Signed<Reply>;
    this.outstanding = undefined;
    this.lastAccepted = first.message.timestamp;
    this.outputs.push({
      kind: 'result',
      timestamp: first.message.timestamp,
      operation: outstanding.signed.message.operation,
      result: first.message.result,
      submittedAtMs: outstanding.submittedAtMs,
      replicas: replicas.slice(0, needed),
    });
  }

  /** Adopts the highest view that at least f+1 replicas have reported (§4.1). */
  private adoptView(): void {
    const views = [...this.reportedViews.values()].sort((a, b) => b - a);
    const candidate = views[this.quorums.weak - 1];
    if (candidate !== undefined && candidate > this.view) this.view = candidate;
  }

  private drop(from: Peer, reason: ClientDropReason, detail: string): void {
    this.outputs.push({ kind: 'drop', from, reason, detail });
  }
}
