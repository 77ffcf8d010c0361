// The one gateway for untrusted input (house style rule 3). A frame from the network
// is `unknown` bytes until admit() has decoded it and checked the signer, the
// signature, the sender's role and, for the normal-case messages, the view and the
// watermarks (OSDI'99 §4.2). Anything wrong is dropped with a named reason; nothing
// here throws or changes replica state. Past the gateway the replica trusts the types.
import { bytesEqual } from './bytes.ts';
import { checkBatch, checkCheckpointProof, checkCommitCertificate, checkHeader, checkViewChange, type CertificateContext } from './certificates.ts';
import { stateDigest } from './checkpoints.ts';
import { checkpointedClientTable, hasFlaw } from './flaws.ts';
import { encodeClientRows } from './client-table.ts';
import { batchBytes, decodeMessage, isClientFrame, MAC_BYTES, UnknownTypeError } from './encoding.ts';
import type { Message, NewView, PrePrepare, ReadRequest, RecoveryReply, Request, Signed, StateTransfer } from './messages.ts';
import { CLIENT_FRAME_MAX_BYTES, frameMaxBytes } from './limits.ts';
import { NULL_DIGEST } from './new-view.ts';
import { primaryOf, type Quorums } from './quorum.ts';
import type { ReplicaConfig } from './config.ts';
import { requestMacValid } from './auth.ts';
import type { SessionKeys } from '../crypto/session-keys.ts';

export type DropReason =
  | 'frame-too-large'
  | 'malformed'
  | 'unknown-type'
  | 'unexpected-type'
  | 'unknown-signer'
  | 'sender-not-signer'
  | 'bad-signature'
  | 'not-from-primary'
  | 'prepare-from-primary'
  | 'batch-digest-mismatch'
  | 'bad-batch'
  | 'conflicting-pre-prepare'
  | 'wrong-view'
  | 'outside-watermarks'
  | 'future-buffer-full'
  | 'checkpoint-buffer-full'
  | 'stale-request'
  | 'bad-view-change'
  | 'bad-new-view'
  | 'bad-state'
  | 'bad-certificate'
  | 'not-in-view'
  | 'redundant'
  /** A PREPARE or COMMIT for an entry whose quorum is already complete (§4.2): normal in a fault-free run, not a fault. */
  | 'surplus-vote'
  | 'bad-recovery-reply'
  /** A frame in the other mode's form (auth.ts): a MAC form in 'signed' mode, or a signed REQUEST in 'mac' mode. */
  | 'wrong-auth-form'
  /** A read-only request (read-only.ts) for an operation that writes. */
  | 'not-read-only';

/** Who handed us the frame: the network's word, which the signature must confirm. */
export interface Peer {
  readonly kind: 'replica' | 'client';
  readonly id: number;
}

/** What the gateway needs to know of the replica; read only. */
export interface GatewayContext {
  readonly config: ReplicaConfig;
  readonly quorums: Quorums;
  readonly view: number;
  /** False between sending VIEW-CHANGE for `view` and accepting its NEW-VIEW (§4.4). */
  readonly active: boolean;
  readonly lowWatermark: number;
  readonly highWatermark: number;
  /** Digest of the PRE-PREPARE accepted for (view, seq), if any. */
  prePrepareDigest(view: number, seq: number): Uint8Array | undefined;
  /**
   * Why this message can change nothing here, if so: asked before its signatures are
   * checked, so that a replayed or unsolicited VIEW-CHANGE, NEW-VIEW, BATCH, STATE,
   * commit certificate or RECOVERY-REPLY costs a lookup, not (2f+1)²·L verifications,
   * and a PREPARE or COMMIT past its entry's quorum (§4.2) costs no verification at all.
   */
  redundancy(message: Message, from: Peer): string | undefined;
  /** The already-verified copy of `frame`, if this replica holds a byte-identical one. */
  admitted(message: Message, frame: Uint8Array): Signed | undefined;
  /** This replica's session keys in 'mac' mode (auth.ts); undefined in 'signed' mode. */
  readonly sessionKeys: SessionKeys | undefined;
}

export type Admission =
  | { readonly verdict: 'accept'; readonly signed: Signed }
  /** Valid, but for a later view or above H: buffer it (bounded) and retry later. */
  | { readonly verdict: 'future'; readonly signed: Signed }
  | {
      readonly verdict: 'drop';
      readonly reason: DropReason;
      readonly detail: string;
      readonly type?: Message['type'];
      /**
       * The message, when the drop came after decoding it for a stale window, a redundancy
       * or a problem in its contents: `verified` says whether its own signature checked
       * out. The replica may keep it as evidence of equivocation (evidence.ts).
       */
      readonly decoded?: { readonly signed: Signed; readonly verified: boolean };
    };

const drop = (reason: DropReason, detail: string, type?: Message['type']): Admission =>
  type === undefined ? { verdict: 'drop', reason, detail } : { verdict: 'drop', reason, detail, type };

/** A drop that hands the decoded message on (see Admission's `decoded`). */
const decodedDrop = (admission: Admission, signed: Signed, verified: boolean): Admission =>
  admission.verdict === 'drop' ? { ...admission, decoded: { signed, verified } } : admission;

export function admit(context: GatewayContext, from: Peer, frame: Uint8Array): Admission {
  // Before anything is decoded, hashed or verified: a frame over its sender's cap (limits.ts).
  // A request is a client's frame whoever relays it: the client cap, or a relayed request too
  // large for any PRE-PREPARE a backup accepts would stall a correct primary.
  const maxBytes = isClientFrame(frame) ? CLIENT_FRAME_MAX_BYTES : frameMaxBytes(from.kind, context.config);
  if (frame.length > maxBytes) return drop('frame-too-large', `${frame.length} bytes from ${from.kind} ${from.id}, cap ${maxBytes}`);
  let signed: Signed;
  try {
    signed = decodeMessage(frame);
  } catch (error) {
    const reason = error instanceof UnknownTypeError ? 'unknown-type' : 'malformed';
    return drop(reason, error instanceof Error ? error.message : 'undecodable');
  }
  const message = signed.message;
  if (message.type === 'reply' || message.type === 'reply-digest') return drop('unexpected-type', 'replicas do not accept REPLY', message.type);
  const form = checkForm(context.config, signed);
  if (form !== undefined) return drop('wrong-auth-form', form, message.type);

  const identity = checkIdentity(context.config, from, signed);
  if (identity !== undefined) return identity;
  const role = checkRole(context, message);
  if (role !== undefined) return role;
  const window = checkWindow(context, message);
  if (window === 'stale') return decodedDrop(drop(staleReason(context, message), describeWindow(context, message), message.type), signed, false);
  const redundant = context.redundancy(message, from);
  if (redundant !== undefined) return decodedDrop(drop(redundancyReason(message), redundant, message.type), signed, false);
  // A byte-identical copy of a frame already admitted needs no second verification.
  const known = context.admitted(message, frame);
  if (known !== undefined) return { verdict: 'accept', signed: known };
  // Messages from the future are buffered (a bounded number per sender) and pass this
  // gateway again, signatures included, when their view or window comes: checking them
  // now would let replays of one buy a verification each.
  if (window === 'future') {
    // What costs no signature check is checked now: a PRE-PREPARE's batch size and digest.
    const problem = message.type === 'pre-prepare' ? checkBatchShape(context, message) : undefined;
    return problem ?? { verdict: 'future', signed };
  }

  if (!authentic(context, signed)) return drop('bad-signature', `signer ${signerName(message)}`, message.type);
  const contentProblem = checkContents(context, message);
  if (contentProblem !== undefined) return decodedDrop(contentProblem, signed, true);
  return { verdict: 'accept', signed };
}

/** What a message carries inside: batches and certificates, each checked in full. */
function checkContents(context: GatewayContext, message: Message): Admission | undefined {
  const reason = (problem: string | undefined, dropReason: DropReason) => (problem === undefined ? undefined : drop(dropReason, problem, message.type));
  switch (message.type) {
    case 'pre-prepare':
      return checkPrePrepare(context, message);
    case 'view-change':
      return reason(checkViewChange(context, message), 'bad-view-change');
    case 'new-view':
      return reason(checkNewView(context, message), 'bad-new-view');
    case 'batch':
      return reason(checkBatch(context, { ...message, type: 'pre-prepare', view: 0, seq: 0 }), 'bad-batch');
    case 'state':
      return reason(checkState(context, message), 'bad-state');
    case 'commit-certificate':
      return reason(checkCommitCertificate(context, message), 'bad-certificate');
    case 'recovery-reply':
      return reason(checkRecoveryReply(context, message), 'bad-recovery-reply');
    default:
      return undefined;
  }
}

/** §4.4: V is 2f+1 valid VIEW-CHANGEs for v+1 from distinct replicas; O is signed by primary(v+1). */
function checkNewView(context: CertificateContext, newView: NewView): string | undefined {
  // Structure first, signatures after: a short or repetitive V costs no verification.
  const distinct = new Set(newView.viewChanges.map((viewChange) => viewChange.message.replica));
  if (distinct.size !== newView.viewChanges.length) return 'V holds two VIEW-CHANGEs from one replica';
  if (distinct.size < context.quorums.strong) return `V holds ${distinct.size} VIEW-CHANGEs, need ${context.quorums.strong}`;
  if (newView.viewChanges.length > context.config.n) return `V holds ${newView.viewChanges.length} VIEW-CHANGEs, more than n`;
  // O covers (min-s, max-s], and max-s <= min-s + L (every prepared certificate in V lies
  // within its sender's window, certificates.ts), so a correct O has at most L entries. A
  // longer one would buy a signature check per header, up to the frame cap: refuse it first.
  if (newView.prePrepares.length > context.config.logWindow) return `O holds ${newView.prePrepares.length} entries, more than L=${context.config.logWindow}`;
  const senders = new Set<number>();
  for (const viewChange of newView.viewChanges) {
    const { replica, newView: view } = viewChange.message;
    if (view !== newView.newView) return `V holds a VIEW-CHANGE for view ${view}`;
    if (senders.has(replica)) return `V holds two VIEW-CHANGEs from replica ${replica}`;
    senders.add(replica);
    const key = context.config.replicaKeys[replica];
    if (key === undefined || !context.config.crypto.verify(key, viewChange.signedBytes, viewChange.signature)) return `VIEW-CHANGE of replica ${replica}: bad signature`;
    const problem = checkViewChange(context, viewChange.message);
    if (problem !== undefined) return `VIEW-CHANGE of replica ${replica}: ${problem}`;
  }
  if (senders.size < context.quorums.strong) return `V holds ${senders.size} VIEW-CHANGEs, need ${context.quorums.strong}`;
  for (const header of newView.prePrepares) {
    if (header.message.view !== newView.newView) return `O entry n=${header.message.seq} is for view ${header.message.view}`;
    const problem = checkHeader(context, header);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * A RECOVERY-REPLY's proof: at most f+1 VIEW-CHANGEs, each validly signed by the replica it
 * names. Only their signatures matter (they vouch that their signers asked for a view,
 * restart-guard.ts), so their certificates are not checked.
 */
function checkRecoveryReply(context: CertificateContext, reply: RecoveryReply): string | undefined {
  if (reply.proof.length > context.quorums.weak) return `proof of ${reply.proof.length} VIEW-CHANGEs, at most ${context.quorums.weak}`;
  if (reply.stableSeq === 0) {
    if (reply.checkpointProof.length > 0) return 'checkpoint proof for n=0';
  } else {
    const certified = checkCheckpointProof(context, reply.stableSeq, reply.checkpointProof);
    if ('problem' in certified) return certified.problem;
  }
  for (const viewChange of reply.proof) {
    const key = context.config.replicaKeys[viewChange.message.replica];
    if (key === undefined || !context.config.crypto.verify(key, viewChange.signedBytes, viewChange.signature)) return `VIEW-CHANGE of replica ${viewChange.message.replica}: bad signature`;
  }
  return undefined;
}

/** State transfer: the snapshot must hash to the digest its 2f+1 CHECKPOINTs certify. */
function checkState(context: CertificateContext, state: StateTransfer): string | undefined {
  const thin = hasFlaw(context.config, 'state-proof-on-f-plus-1') ? { ...context, quorums: { ...context.quorums, strong: context.quorums.weak } } : context;
  const proof = checkCheckpointProof(thin, state.seq, state.proof);
  if ('problem' in proof) return proof.problem;
  const digest = stateDigest(context.config.crypto.sha256, state.store, checkpointedClientTable(context.config, encodeClientRows(state.clients)));
  return bytesEqual(digest, proof.digest) ? undefined : `state for n=${state.seq} does not hash to the certified digest`;
}

/**
 * The frame's form must be its mode's (auth.ts): in 'mac' mode a REQUEST carries a signature
 * and one MAC per replica, and nothing else has a MAC form; in 'signed' mode nothing does.
 */
function checkForm(config: ReplicaConfig, signed: Signed): string | undefined {
  const mac = (config.auth ?? 'signed') === 'mac';
  if (signed.authenticator !== undefined && !mac) return `a ${signed.message.type} in the MAC form, in 'signed' mode`;
  if (!mac || (signed.message.type !== 'request' && signed.message.type !== 'read')) return undefined;
  if (signed.authenticator === undefined) return `a signed ${signed.message.type} without MACs, in 'mac' mode`;
  const entries = signed.authenticator.length / MAC_BYTES;
  return entries === config.n ? undefined : `authenticator of ${entries} MACs, need n=${config.n}`;
}

function signerName(message: Message): string {
  return message.type === 'request' || message.type === 'read' ? `client ${message.client}` : `replica ${message.replica}`;
}

/** The signer must be known, and a replica message must come from that replica. */
function checkIdentity(config: ReplicaConfig, from: Peer, signed: Signed): Admission | undefined {
  const message = signed.message;
  if (message.type === 'request') {
    if (config.clientKey(message.client) === undefined) return drop('unknown-signer', `client ${message.client}`, 'request');
    // Requests may be relayed by any replica (§4.1: backups forward to the primary).
    if (from.kind === 'client' && from.id !== message.client) {
      return drop('sender-not-signer', `client ${from.id} sent a request of client ${message.client}`, 'request');
    }
    return undefined;
  }
  if (message.type === 'read') {
    if (config.clientKey(message.client) === undefined) return drop('unknown-signer', `client ${message.client}`, 'read');
    // A read-only request is never relayed: it goes to every replica from its client (read-only.ts).
    if (from.kind !== 'client' || from.id !== message.client) return drop('sender-not-signer', `${from.kind} ${from.id} sent a read of client ${message.client}`, 'read');
    return undefined;
  }
  if (message.type === 'reply' || message.type === 'reply-digest') return drop('unexpected-type', 'replicas do not accept REPLY', message.type);
  if (!(message.replica < config.n)) return drop('unknown-signer', `replica ${message.replica}`, message.type);
  if (from.kind !== 'replica' || from.id !== message.replica) {
    return drop('sender-not-signer', `${from.kind} ${from.id} sent a message of replica ${message.replica}`, message.type);
  }
  return undefined;
}

/** §4.2: only primary(v) pre-prepares, and the primary does not prepare; §4.4: only primary(v+1) sends NEW-VIEW. */
function checkRole(context: GatewayContext, message: Message): Admission | undefined {
  if (message.type === 'new-view' && message.replica !== primaryOf(message.newView, context.config.n) && !hasFlaw(context.config, 'new-view-author-not-checked')) {
    return drop('not-from-primary', `replica ${message.replica} is not primary of view ${message.newView}`, message.type);
  }
  if (message.type === 'pre-prepare' && message.replica !== primaryOf(message.view, context.config.n)) {
    return drop('not-from-primary', `replica ${message.replica} is not primary of view ${message.view}`, message.type);
  }
  if (message.type === 'prepare' && message.replica === primaryOf(message.view, context.config.n)) {
    return drop('prepare-from-primary', `replica ${message.replica} is primary of view ${message.view}`, message.type);
  }
  return undefined;
}

type WindowVerdict = 'inside' | 'stale' | 'future';

/**
 * §4.2: normal-case messages must be in the current view with h < n ≤ H; during a view
 * change (§4.4) those of the new view wait until its NEW-VIEW is accepted.
 */
function checkWindow(context: GatewayContext, message: Message): WindowVerdict {
  switch (message.type) {
    case 'checkpoint':
      return message.seq <= context.lowWatermark ? 'stale' : 'inside';
    case 'view-change':
    case 'new-view':
      return message.newView < context.view ? 'stale' : 'inside';
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      if (message.view < context.view || message.seq <= context.lowWatermark) return 'stale';
      if (message.view > context.view || message.seq > context.highWatermark || !context.active) return 'future';
      return 'inside';
    default:
      return 'inside';
  }
}

/** A vote is redundant only past its quorum (admission.ts): counted apart, so that it does not read as a replay. */
function redundancyReason(message: Message): DropReason {
  if (message.type === 'request') return 'stale-request';
  return message.type === 'prepare' || message.type === 'commit' ? 'surplus-vote' : 'redundant';
}

function staleReason(context: GatewayContext, message: Message): DropReason {
  const view = 'view' in message ? message.view : 'newView' in message ? message.newView : context.view;
  return view < context.view ? 'wrong-view' : 'outside-watermarks';
}

function describeWindow(context: GatewayContext, message: Message): string {
  const seq = 'seq' in message ? message.seq : '?';
  const view = 'view' in message ? message.view : '?';
  return `v=${view} n=${seq}; replica at v=${context.view} h=${context.lowWatermark} H=${context.highWatermark}`;
}

/**
 * A read-only request only ever reaches this replica, from its client, and is never ordered
 * or shown to anyone: in 'mac' mode its MAC for us is enough (auth.ts).
 */
function authentic(context: GatewayContext, signed: Signed): boolean {
  const keys = context.sessionKeys;
  if (signed.message.type === 'read' && keys !== undefined) return requestMacValid(keys, context.config.id, signed as Signed<ReadRequest>);
  return verifySignature(context.config, signed);
}

function verifySignature(config: ReplicaConfig, signed: Signed): boolean {
  const message = signed.message;
  if (message.type === 'request' && hasFlaw(config, 'request-signature-not-checked')) return config.clientKey(message.client) !== undefined;
  const key = message.type === 'request' || message.type === 'read' ? config.clientKey(message.client) : config.replicaKeys[message.replica];
  return key !== undefined && config.crypto.verify(key, signed.signedBytes, signed.signature);
}

/** §4.2: the batch must hash to d, hold 1..B client-signed requests, and not contradict an accepted d. */
/**
 * The parts of §4.2's PRE-PREPARE check that need no signature: 1..B requests, or the
 * null request (an empty batch, allowed only under its own digest, §4.4), hashing to d.
 */
function checkBatchShape(context: GatewayContext, message: PrePrepare): Admission | undefined {
  const { config } = context;
  const isNull = message.batch.length === 0 && bytesEqual(message.digest, NULL_DIGEST);
  if ((message.batch.length === 0 && !isNull) || message.batch.length > config.maxBatch) {
    return drop('bad-batch', `batch of ${message.batch.length}, allowed 1..${config.maxBatch}`, message.type);
  }
  const oversized = message.batch.find((request) => request.frame.length > CLIENT_FRAME_MAX_BYTES);
  if (oversized !== undefined) return drop('bad-batch', `a request of ${oversized.frame.length} bytes, cap ${CLIENT_FRAME_MAX_BYTES}`, message.type);
  if (!hasFlaw(config, 'no-pre-prepare-digest-check') && !bytesEqual(config.crypto.sha256(batchBytes(message)), message.digest)) {
    return drop('batch-digest-mismatch', `v=${message.view} n=${message.seq}`, message.type);
  }
  return undefined;
}

/**
 * A request inside a PRE-PREPARE (§4.2). In 'mac' mode our own MAC settles it cheaply; only
 * a request whose MAC is wrong here (a faulty client, or a primary that forged it) costs a
 * signature check, and that check decides (auth.ts says why).
 */
function requestAuthentic(context: GatewayContext, request: Signed): boolean {
  const keys = context.sessionKeys;
  if (keys !== undefined && !hasFlaw(context.config, 'request-signature-not-checked') && requestMacValid(keys, context.config.id, request as Signed<Request>)) return true;
  return verifySignature(context.config, request);
}

function checkPrePrepare(context: GatewayContext, message: PrePrepare): Admission | undefined {
  const { config } = context;
  const shape = checkBatchShape(context, message);
  if (shape !== undefined) return shape;
  // Before any request is checked: a PRE-PREPARE that contradicts an accepted one costs nothing.
  const accepted = context.prePrepareDigest(message.view, message.seq);
  if (accepted !== undefined && !bytesEqual(accepted, message.digest) && !hasFlaw(config, 'pre-prepare-overwritten')) {
    return drop('conflicting-pre-prepare', `v=${message.view} n=${message.seq} already has another digest`, message.type);
  }
  for (const request of message.batch) {
    const form = checkForm(config, request);
    if (form !== undefined) return drop('wrong-auth-form', `request of client ${request.message.client} t=${request.message.timestamp}: ${form}`, message.type);
    if (!requestAuthentic(context, request)) {
      return drop('bad-batch', `request of client ${request.message.client} t=${request.message.timestamp} is not validly signed`, message.type);
    }
  }
  return undefined;
}
