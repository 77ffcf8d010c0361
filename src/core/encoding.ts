// Canonical encoding of every protocol message. A signed frame is
//   [type tag][fields in fixed order][64-byte Ed25519 signature][batch, PRE-PREPARE only]
// and the signature covers everything before it. In the MAC-authenticator mode (auth.ts)
// a REQUEST and a REPLY have a second form, marked by the tag's high bit:
//   REQUEST  [tag|0x80][fields][64-byte signature][count][count 16-byte MACs, one per replica]
//            (a read-only REQUEST, type 'read', likewise)
//   REPLY    [tag|0x80][fields][one 16-byte MAC, for the client] (a digest REPLY likewise)
// where the signature and every MAC cover the same bytes: [tag|0x80][fields]. Decoding is
// strict (see bytes.ts): a frame decodes only if re-encoding it gives the same bytes.
import { DecodeError, Reader, Writer } from './bytes.ts';
import { MAX_FRAME_DEPTH } from './limits.ts';
import type {
  Checkpoint,
  Commit,
  Message,
  PreparedCertificate,
  PrePrepare,
  PrePrepareHeader,
  Prepare,
  ReadRequest,
  Reply,
  ReplyDigest,
  Request,
  Signed,
  SignedRequest,
  ViewChange,
} from './messages.ts';
import { readOperation, readResult, writeOperation, writeResult } from './operation-encoding.ts';
import { readClientEntries, readSnapshot, writeClientEntries, writeSnapshot } from './snapshot-encoding.ts';

export const SIGNATURE_BYTES = 64;
export const DIGEST_BYTES = 32;
/** A RECOVERY-QUERY's nonce: 16 bytes, fresh per incarnation of a replica. */
export const NONCE_BYTES = 16;
/** Upper bound on requests in one PRE-PREPARE accepted from the network. */
export const MAX_BATCH_REQUESTS = 4096;
/** One truncated HMAC-SHA256 of an authenticator (session-keys.ts). */
export const MAC_BYTES = 16;
/** Most entries of a request's authenticator: one per replica, and n is far below this. */
export const MAX_AUTHENTICATOR_ENTRIES = 255;
/** Set on the type tag of the MAC-authenticated form of a REQUEST or a REPLY. */
const MAC_FORM = 0x80;

const TAG = {
  request: 1,
  'pre-prepare': 2,
  prepare: 3,
  commit: 4,
  checkpoint: 5,
  reply: 6,
  status: 7,
  'view-change': 8,
  'new-view': 9,
  'fetch-batch': 10,
  batch: 11,
  state: 12,
  'commit-certificate': 13,
  'recovery-query': 14,
  'recovery-reply': 15,
  read: 16,
  'reply-digest': 17,
} as const satisfies Record<Message['type'], number>;

/** A tentative REPLY and digest REPLY (tentative.ts): same fields, their own tags, so committed replies keep theirs. */
const TENTATIVE_TAG = { reply: 18, 'reply-digest': 19 } as const;

const KNOWN_TAGS: ReadonlySet<number> = new Set([...Object.values(TAG), ...Object.values(TENTATIVE_TAG)]);

/** Whether a frame is a client's (a REQUEST or read-only REQUEST, of either form), by its tag alone. */
export function isClientFrame(frame: Uint8Array): boolean {
  const tag = (frame[0] ?? 0) & ~MAC_FORM;
  return tag === TAG.request || tag === TAG.read;
}

/** Upper bound on entries of any list in a frame (certificates, proofs, client rows). */
export const MAX_LIST_ENTRIES = 1 << 16;

export class UnknownTypeError extends DecodeError {}

// --- batches ------------------------------------------------------------------

/** The batch section of a PRE-PREPARE; its SHA-256 is the digest d. */
export function encodeBatch(batch: readonly SignedRequest[]): Uint8Array {
  const writer = new Writer().uint(batch.length);
  for (const request of batch) writer.bytes(request.frame);
  return writer.finish();
}

function readBatch(reader: Reader, depth: number): SignedRequest[] {
  const count = reader.uint();
  if (count > MAX_BATCH_REQUESTS) throw new DecodeError('batch too large');
  const batch: SignedRequest[] = [];
  for (let index = 0; index < count; index++) {
    const decoded = decodeNested(reader.bytes(), 'request', depth, 'batch holds a non-request');
    if (decoded.message.type !== 'request') throw new DecodeError('batch holds a non-request');
    batch.push(decoded as SignedRequest);
  }
  return batch;
}

// --- messages -------------------------------------------------------------------

function writeBody(writer: Writer, message: Message, macForm = false): void {
  const tag = (message.type === 'reply' || message.type === 'reply-digest') && message.tentative === true ? TENTATIVE_TAG[message.type] : TAG[message.type];
  writer.u8(tag | (macForm ? MAC_FORM : 0));
  switch (message.type) {
    case 'request':
    case 'read':
      writeOperation(writer, message.operation);
      writer.uint(message.timestamp).uint(message.client);
      return;
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      writer.uint(message.view).uint(message.seq).fixed(message.digest).uint(message.replica);
      return;
    case 'checkpoint':
      writer.uint(message.seq).fixed(message.digest).uint(message.replica);
      return;
    case 'reply':
      writer.uint(message.view).uint(message.timestamp).uint(message.client).uint(message.replica);
      writeResult(writer, message.result);
      return;
    case 'reply-digest':
      writer.uint(message.view).uint(message.timestamp).uint(message.client).uint(message.replica).fixed(message.digest);
      return;
    case 'status':
      writer.uint(message.view).uint(message.stableSeq).uint(message.lastExecuted).uint(message.replica);
      return;
    case 'view-change':
      writer.uint(message.newView).uint(message.stableSeq).uint(message.replica);
      writeFrames(writer, message.checkpointProof);
      writer.uint(message.prepared.length);
      for (const certificate of message.prepared) {
        writeHeader(writer, certificate.prePrepare);
        writeFrames(writer, certificate.prepares);
      }
      return;
    case 'new-view':
      writer.uint(message.newView).uint(message.replica);
      writeFrames(writer, message.viewChanges);
      writer.uint(message.prePrepares.length);
      for (const header of message.prePrepares) writeHeader(writer, header);
      return;
    case 'fetch-batch':
      writer.fixed(message.digest).uint(message.replica);
      return;
    case 'batch':
      writer.fixed(message.digest).uint(message.replica).fixed(encodeBatch(message.batch));
      return;
    case 'state':
      writer.uint(message.seq).uint(message.replica);
      writeFrames(writer, message.proof);
      writeSnapshot(writer, message.store);
      writeClientEntries(writer, message.clients);
      return;
    case 'commit-certificate':
      writer.uint(message.replica).bytes(message.prePrepare.frame);
      writeFrames(writer, message.commits);
      return;
    case 'recovery-query':
      writer.fixed(message.nonce).uint(message.replica);
      return;
    case 'recovery-reply':
      writer.fixed(message.nonce).uint(message.view).uint(message.stableSeq).uint(message.replica);
      writeFrames(writer, message.checkpointProof);
      writeFrames(writer, message.proof);
      return;
  }
}

// --- nested signed frames -------------------------------------------------------

function writeFrames(writer: Writer, frames: readonly Signed<{ readonly type: string }>[]): void {
  writer.uint(frames.length);
  for (const signed of frames) writer.bytes(signed.frame);
}

function readCount(reader: Reader): number {
  const count = reader.uint();
  if (count > MAX_LIST_ENTRIES) throw new DecodeError('list too long');
  return count;
}

function readFrames<M extends Message>(reader: Reader, type: M['type'], depth: number): Signed<M>[] {
  const count = readCount(reader);
  const frames: Signed<M>[] = [];
  for (let index = 0; index < count; index++) {
    const decoded = decodeNested(reader.bytes(), type, depth, `expected a nested ${type}`);
    if (decoded.message.type !== type) throw new DecodeError(`expected a nested ${type}, got ${decoded.message.type}`);
    frames.push(decoded as Signed<M>);
  }
  return frames;
}

/** A PRE-PREPARE header travels as its signed bytes and signature, without the batch. */
function writeHeader(writer: Writer, header: Signed<PrePrepareHeader>): void {
  writer.bytes(header.signedBytes).fixed(header.signature);
}

function readHeader(reader: Reader, depth: number): Signed<PrePrepareHeader> {
  const signedBytes = reader.bytes();
  const signature = reader.fixed(SIGNATURE_BYTES);
  // A header is a nested frame too: checked for type and depth before it is parsed.
  if (signedBytes[0] !== TAG['pre-prepare']) throw new DecodeError('expected a PRE-PREPARE header');
  if (depth + 1 > MAX_FRAME_DEPTH) throw new DecodeError(`frames nested deeper than ${MAX_FRAME_DEPTH}`);
  const inner = new Reader(signedBytes);
  const body = readBody(inner, depth + 1);
  inner.end();
  if (body.type !== 'pre-prepare') throw new DecodeError('expected a PRE-PREPARE header');
  const frame = new Uint8Array(signedBytes.length + SIGNATURE_BYTES);
  frame.set(signedBytes);
  frame.set(signature, signedBytes.length);
  return { message: body, signedBytes, signature, frame };
}

/** The header part of a full PRE-PREPARE, as certificates carry it. */
export function headerOf(prePrepare: Signed<PrePrepare>): Signed<PrePrepareHeader> {
  const { batch: _batch, ...header } = prePrepare.message;
  const frame = prePrepare.frame.subarray(0, prePrepare.signedBytes.length + SIGNATURE_BYTES);
  return { message: header, signedBytes: prePrepare.signedBytes, signature: prePrepare.signature, frame };
}

/** A full PRE-PREPARE from a header and the batch that hashes to its digest. */
export function attachBatch(header: Signed<PrePrepareHeader>, batch: readonly SignedRequest[]): Signed<PrePrepare> {
  const batchSection = encodeBatch(batch);
  const frame = new Uint8Array(header.signedBytes.length + SIGNATURE_BYTES + batchSection.length);
  frame.set(header.signedBytes);
  frame.set(header.signature, header.signedBytes.length);
  frame.set(batchSection, header.signedBytes.length + SIGNATURE_BYTES);
  const message: PrePrepare = { ...header.message, batch };
  batchBytesOf.set(message, batchSection);
  return { message, signedBytes: frame.subarray(0, header.signedBytes.length), signature: frame.subarray(header.signedBytes.length, header.signedBytes.length + SIGNATURE_BYTES), frame };
}

function readPreparedCertificates(reader: Reader, depth: number): PreparedCertificate[] {
  const count = readCount(reader);
  const certificates: PreparedCertificate[] = [];
  for (let index = 0; index < count; index++) {
    const prePrepare = readHeader(reader, depth);
    certificates.push({ prePrepare, prepares: readFrames<Prepare>(reader, 'prepare', depth) });
  }
  return certificates;
}

type Body = Exclude<Message, PrePrepare> | Omit<PrePrepare, 'batch'>;

/**
 * `depth`: how deep the frame whose body this is sits, the outermost frame being 1.
 * `tag` is the type tag with the MAC-form bit cleared (decodeFrame reads it).
 */
function readBody(reader: Reader, depth: number, tag = reader.u8()): Body {
  switch (tag) {
    case TAG.request:
    case TAG.read: {
      const operation = readOperation(reader);
      return { type: tag === TAG.read ? 'read' : 'request', operation, timestamp: reader.uint(), client: reader.uint() };
    }
    case TAG['pre-prepare']:
    case TAG.prepare:
    case TAG.commit: {
      const type = tag === TAG.prepare ? 'prepare' : tag === TAG.commit ? 'commit' : 'pre-prepare';
      const view = reader.uint();
      const seq = reader.uint();
      const digest = reader.fixed(DIGEST_BYTES);
      return { type, view, seq, digest, replica: reader.uint() };
    }
    case TAG.checkpoint: {
      const seq = reader.uint();
      const digest = reader.fixed(DIGEST_BYTES);
      return { type: 'checkpoint', seq, digest, replica: reader.uint() };
    }
    case TAG.reply:
    case TENTATIVE_TAG.reply: {
      const view = reader.uint();
      const timestamp = reader.uint();
      const client = reader.uint();
      const replica = reader.uint();
      const reply: Reply = { type: 'reply', view, timestamp, client, replica, result: readResult(reader) };
      return tag === TENTATIVE_TAG.reply ? { ...reply, tentative: true } : reply;
    }
    case TAG['reply-digest']:
    case TENTATIVE_TAG['reply-digest']: {
      const view = reader.uint();
      const timestamp = reader.uint();
      const client = reader.uint();
      const replica = reader.uint();
      const reply: ReplyDigest = { type: 'reply-digest', view, timestamp, client, replica, digest: reader.fixed(DIGEST_BYTES) };
      return tag === TENTATIVE_TAG['reply-digest'] ? { ...reply, tentative: true } : reply;
    }
    case TAG.status: {
      const view = reader.uint();
      const stableSeq = reader.uint();
      const lastExecuted = reader.uint();
      return { type: 'status', view, stableSeq, lastExecuted, replica: reader.uint() };
    }
    case TAG['view-change']: {
      const newView = reader.uint();
      const stableSeq = reader.uint();
      const replica = reader.uint();
      const checkpointProof = readFrames<Checkpoint>(reader, 'checkpoint', depth);
      return { type: 'view-change', newView, stableSeq, replica, checkpointProof, prepared: readPreparedCertificates(reader, depth) };
    }
    case TAG['new-view']: {
      const newView = reader.uint();
      const replica = reader.uint();
      const viewChanges = readFrames<ViewChange>(reader, 'view-change', depth);
      const count = readCount(reader);
      const prePrepares: Signed<PrePrepareHeader>[] = [];
      for (let index = 0; index < count; index++) prePrepares.push(readHeader(reader, depth));
      return { type: 'new-view', newView, replica, viewChanges, prePrepares };
    }
    case TAG['fetch-batch']: {
      const digest = reader.fixed(DIGEST_BYTES);
      return { type: 'fetch-batch', digest, replica: reader.uint() };
    }
    case TAG.batch: {
      const digest = reader.fixed(DIGEST_BYTES);
      const replica = reader.uint();
      const batchStart = reader.offset;
      const batch = readBatch(reader, depth);
      const message = { type: 'batch' as const, digest, replica, batch };
      batchSectionOf.set(message, reader.since(batchStart));
      return message;
    }
    case TAG.state: {
      const seq = reader.uint();
      const replica = reader.uint();
      const proof = readFrames<Checkpoint>(reader, 'checkpoint', depth);
      const store = readSnapshot(reader);
      return { type: 'state', seq, replica, proof, store, clients: readClientEntries(reader, readCount(reader)) };
    }
    case TAG['commit-certificate']: {
      const replica = reader.uint();
      const prePrepare = decodeNested(reader.bytes(), 'pre-prepare', depth, 'commit certificate without a PRE-PREPARE');
      if (prePrepare.message.type !== 'pre-prepare') throw new DecodeError('commit certificate without a PRE-PREPARE');
      return { type: 'commit-certificate', replica, prePrepare: prePrepare as Signed<PrePrepare>, commits: readFrames<Commit>(reader, 'commit', depth) };
    }
    case TAG['recovery-query']: {
      const nonce = reader.fixed(NONCE_BYTES);
      return { type: 'recovery-query', nonce, replica: reader.uint() };
    }
    case TAG['recovery-reply']: {
      const nonce = reader.fixed(NONCE_BYTES);
      const view = reader.uint();
      const stableSeq = reader.uint();
      const replica = reader.uint();
      const checkpointProof = readFrames<Checkpoint>(reader, 'checkpoint', depth);
      return { type: 'recovery-reply', nonce, view, stableSeq, checkpointProof, replica, proof: readFrames<ViewChange>(reader, 'view-change', depth) };
    }
    default:
      throw new UnknownTypeError(`unknown message type ${tag}`);
  }
}

/** The bytes a message's signature covers. */
export function signedBytesOf(message: Message): Uint8Array {
  const writer = new Writer();
  writeBody(writer, message);
  return writer.finish();
}

/** Encodes and signs a message; `sign` maps the covered bytes to a signature. */
export function encodeSigned<M extends Message>(message: M, sign: (bytes: Uint8Array) => Uint8Array): Signed<M> {
  const writer = new Writer();
  writeBody(writer, message);
  const signedBytes = writer.finish();
  const signature = sign(signedBytes);
  if (signature.length !== SIGNATURE_BYTES) throw new Error('signature must be 64 bytes');
  writer.fixed(signature);
  if (message.type === 'pre-prepare') writer.fixed(encodeBatch((message as PrePrepare).batch));
  const frame = writer.finish();
  return { message, signedBytes: frame.subarray(0, signedBytes.length), signature: frame.subarray(signedBytes.length, signedBytes.length + SIGNATURE_BYTES), frame };
}

/**
 * Strict decoding of an untrusted frame. Throws DecodeError (or UnknownTypeError),
 * never anything else: nested frames deeper than MAX_FRAME_DEPTH are a DecodeError, so
 * the recursion is bounded whatever the input (the client decodes replies with this too).
 */
export function decodeMessage(frame: Uint8Array): Signed {
  return decodeFrame(frame, 1);
}

/**
 * A frame nested inside one at `parentDepth`: its type tag is checked before anything
 * else is read (a batch holds only requests, a proof only its own kind), then its depth.
 */
function decodeNested(frame: Uint8Array, type: Message['type'], parentDepth: number, wrongType: string): Signed {
  // A batch may hold requests of either form; every other nested frame is signed.
  const tag = type === 'request' && frame[0] === (TAG.request | MAC_FORM) ? TAG.request : frame[0];
  if (tag !== TAG[type]) throw new DecodeError(wrongType);
  return decodeFrame(frame, parentDepth + 1);
}

function decodeFrame(frame: Uint8Array, depth: number): Signed {
  if (depth > MAX_FRAME_DEPTH) throw new DecodeError(`frames nested deeper than ${MAX_FRAME_DEPTH}`);
  const reader = new Reader(frame);
  const tag = reader.u8();
  if ((tag & MAC_FORM) !== 0) return decodeMacForm(reader, tag & ~MAC_FORM, depth, frame);
  const body = readBody(reader, depth, tag);
  const signedBytes = reader.since(0);
  const signature = reader.fixed(SIGNATURE_BYTES);
  let message: Message;
  if (body.type === 'pre-prepare') {
    const batchStart = reader.offset;
    const batch = readBatch(reader, depth);
    message = { ...body, batch };
    batchBytesOf.set(message as PrePrepare, reader.since(batchStart));
  } else {
    message = body;
  }
  reader.end();
  return { message, signedBytes, signature, frame };
}

/** The MAC-authenticated form (see the header): only a REQUEST or a REPLY has one. */
function decodeMacForm(reader: Reader, tag: number, depth: number, frame: Uint8Array): Signed {
  const macTags: readonly number[] = [TAG.request, TAG.read, TAG.reply, TAG['reply-digest'], TENTATIVE_TAG.reply, TENTATIVE_TAG['reply-digest']];
  if (!macTags.includes(tag)) {
    if (!KNOWN_TAGS.has(tag)) throw new UnknownTypeError(`unknown message type ${tag | MAC_FORM}`);
    throw new DecodeError(`no MAC form for type tag ${tag}`);
  }
  const message = readBody(reader, depth, tag) as Request | ReadRequest | Reply | ReplyDigest;
  const signedBytes = reader.since(0);
  let signature: Uint8Array = new Uint8Array(0);
  let authenticator: Uint8Array;
  if (message.type === 'request' || message.type === 'read') {
    signature = reader.fixed(SIGNATURE_BYTES);
    const entries = reader.u8();
    if (entries === 0) throw new DecodeError('empty authenticator');
    authenticator = reader.fixed(entries * MAC_BYTES);
  } else {
    authenticator = reader.fixed(MAC_BYTES);
  }
  reader.end();
  return { message, signedBytes, signature, authenticator, frame };
}

/**
 * A REQUEST in the MAC form: signed by the client and authenticated to each replica, the
 * MACs in replica order (auth.ts says why a request carries both).
 */
export function encodeMacRequest<R extends Request | ReadRequest = Request>(request: R, sign: (bytes: Uint8Array) => Uint8Array, authenticate: (bytes: Uint8Array) => Uint8Array): Signed<R> {
  const writer = new Writer();
  writeBody(writer, request, true);
  const signedBytes = writer.finish();
  const signature = sign(signedBytes);
  if (signature.length !== SIGNATURE_BYTES) throw new Error('signature must be 64 bytes');
  const authenticator = authenticate(signedBytes);
  const entries = authenticator.length / MAC_BYTES;
  if (!Number.isInteger(entries) || entries < 1 || entries > MAX_AUTHENTICATOR_ENTRIES) throw new Error(`authenticator must be 1..${MAX_AUTHENTICATOR_ENTRIES} MACs of ${MAC_BYTES} bytes`);
  writer.fixed(signature).u8(entries).fixed(authenticator);
  const frame = writer.finish();
  const signatureAt = signedBytes.length;
  return {
    message: request,
    signedBytes: frame.subarray(0, signatureAt),
    signature: frame.subarray(signatureAt, signatureAt + SIGNATURE_BYTES),
    authenticator: frame.subarray(signatureAt + SIGNATURE_BYTES + 1),
    frame,
  };
}

/** A REPLY (or digest REPLY) in the MAC form: one MAC, for the client it answers, and no signature. */
export function encodeMacReply<R extends Reply | ReplyDigest = Reply>(reply: R, authenticate: (bytes: Uint8Array) => Uint8Array): Signed<R> {
  const writer = new Writer();
  writeBody(writer, reply, true);
  const signedBytes = writer.finish();
  const mac = authenticate(signedBytes);
  if (mac.length !== MAC_BYTES) throw new Error(`a reply's MAC must be ${MAC_BYTES} bytes`);
  writer.fixed(mac);
  const frame = writer.finish();
  return { message: reply, signedBytes: frame.subarray(0, signedBytes.length), signature: new Uint8Array(0), authenticator: frame.subarray(signedBytes.length), frame };
}

/** The received batch section of a decoded PRE-PREPARE, so its digest hashes those exact bytes. */
const batchBytesOf = new WeakMap<PrePrepare, Uint8Array>();
const batchSectionOf = new WeakMap<object, Uint8Array>();

export function batchBytes(prePrepare: PrePrepare): Uint8Array {
  return batchBytesOf.get(prePrepare) ?? encodeBatch(prePrepare.batch);
}

/** The batch section of a BATCH message as received (its hash must be the digest). */
export function batchReplyBytes(message: { readonly batch: readonly SignedRequest[] }): Uint8Array {
  return batchSectionOf.get(message) ?? encodeBatch(message.batch);
}

export type { Request };
