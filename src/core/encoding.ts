// Canonical encoding of every protocol message. A frame is
//   [type tag][fields in fixed order][64-byte Ed25519 signature][batch, PRE-PREPARE only]
// and the signature covers everything before it. Decoding is strict (see bytes.ts):
// a frame decodes only if re-encoding it gives the same bytes.
import { DecodeError, Reader, Writer } from './bytes.ts';
import type { Message, PrePrepare, Request, Signed, SignedRequest } from './messages.ts';
import type { GetResult, Operation, OperationResult, Status, WriteResult } from './operations.ts';

export const SIGNATURE_BYTES = 64;
export const DIGEST_BYTES = 32;
/** Upper bound on requests in one PRE-PREPARE accepted from the network. */
export const MAX_BATCH_REQUESTS = 4096;

const TAG = {
  request: 1,
  'pre-prepare': 2,
  prepare: 3,
  commit: 4,
  checkpoint: 5,
  reply: 6,
  status: 7,
  // 8: view-change and 9: new-view are reserved for the view-change protocol.
} as const satisfies Record<Message['type'], number>;

export class UnknownTypeError extends DecodeError {}

// --- operations and results -------------------------------------------------

const OPERATION_TAG = { get: 1, put: 2, cas: 3, remove: 4 } as const;
const STATUS_CODES: readonly Status[] = ['ok', 'not_found', 'no_match'];

/** versionMatch: omitted and -1 both mean "any" and encode alike, as 0. */
function writeVersionMatch(writer: Writer, versionMatch: number | undefined): void {
  writer.uint(versionMatch === undefined || versionMatch === -1 ? 0 : versionMatch + 1);
}

function readVersionMatch(reader: Reader): { versionMatch?: number } {
  const encoded = reader.uint();
  return encoded === 0 ? {} : { versionMatch: encoded - 1 };
}

export function writeOperation(writer: Writer, operation: Operation): void {
  writer.u8(OPERATION_TAG[operation.type]).text(operation.key);
  switch (operation.type) {
    case 'get':
      return;
    case 'put':
      writer.text(operation.value);
      return writeVersionMatch(writer, operation.versionMatch);
    case 'cas':
      writer.text(operation.expected).text(operation.desired);
      return writeVersionMatch(writer, operation.versionMatch);
    case 'remove':
      return writeVersionMatch(writer, operation.versionMatch);
  }
}

export function readOperation(reader: Reader): Operation {
  const tag = reader.u8();
  const key = reader.text();
  switch (tag) {
    case OPERATION_TAG.get:
      return { type: 'get', key };
    case OPERATION_TAG.put: {
      const value = reader.text();
      return { type: 'put', key, value, ...readVersionMatch(reader) };
    }
    case OPERATION_TAG.cas: {
      const expected = reader.text();
      const desired = reader.text();
      return { type: 'cas', key, expected, desired, ...readVersionMatch(reader) };
    }
    case OPERATION_TAG.remove:
      return { type: 'remove', key, ...readVersionMatch(reader) };
    default:
      throw new DecodeError(`unknown operation tag ${tag}`);
  }
}

function writeStatus(writer: Writer, status: Status): void {
  writer.u8(STATUS_CODES.indexOf(status));
}

function readStatus(reader: Reader): Status {
  const status = STATUS_CODES[reader.u8()];
  if (status === undefined) throw new DecodeError('unknown status');
  return status;
}

export function writeResult(writer: Writer, result: OperationResult): void {
  if ('actual' in result) {
    writer.u8(2);
    writeStatus(writer, result.status);
    writer.text(result.actual).uint(result.previousVersion).uint(result.version);
    return;
  }
  writer.u8(1);
  writeStatus(writer, result.status);
  writer.uint(result.version);
  if (result.value === undefined) writer.u8(0);
  else writer.u8(1).text(result.value);
}

export function readResult(reader: Reader): OperationResult {
  const tag = reader.u8();
  if (tag === 2) {
    const status = readStatus(reader);
    const actual = reader.text();
    const previousVersion = reader.uint();
    const version = reader.uint();
    return { status, actual, previousVersion, version } satisfies WriteResult;
  }
  if (tag !== 1) throw new DecodeError(`unknown result tag ${tag}`);
  const status = readStatus(reader);
  const version = reader.uint();
  const hasValue = reader.u8();
  if (hasValue > 1) throw new DecodeError('bad value flag');
  return (hasValue === 1 ? { status, version, value: reader.text() } : { status, version }) satisfies GetResult;
}

/** Canonical bytes of a result: equal results, equal bytes (replies are compared by it). */
export function encodeResult(result: OperationResult): Uint8Array {
  const writer = new Writer();
  writeResult(writer, result);
  return writer.finish();
}

// --- batches ------------------------------------------------------------------

/** The batch section of a PRE-PREPARE; its SHA-256 is the digest d. */
export function encodeBatch(batch: readonly SignedRequest[]): Uint8Array {
  const writer = new Writer().uint(batch.length);
  for (const request of batch) writer.bytes(request.frame);
  return writer.finish();
}

function readBatch(reader: Reader): SignedRequest[] {
  const count = reader.uint();
  if (count > MAX_BATCH_REQUESTS) throw new DecodeError('batch too large');
  const batch: SignedRequest[] = [];
  for (let index = 0; index < count; index++) {
    const decoded = decodeMessage(reader.bytes());
    if (decoded.message.type !== 'request') throw new DecodeError('batch holds a non-request');
    batch.push(decoded as SignedRequest);
  }
  return batch;
}

// --- messages -------------------------------------------------------------------

function writeBody(writer: Writer, message: Message): void {
  writer.u8(TAG[message.type]);
  switch (message.type) {
    case 'request':
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
    case 'status':
      writer.uint(message.view).uint(message.stableSeq).uint(message.lastExecuted).uint(message.replica);
      return;
  }
}

type Body = Exclude<Message, PrePrepare> | Omit<PrePrepare, 'batch'>;

function readBody(reader: Reader): Body {
  const tag = reader.u8();
  switch (tag) {
    case TAG.request: {
      const operation = readOperation(reader);
      return { type: 'request', operation, timestamp: reader.uint(), client: reader.uint() };
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
    case TAG.reply: {
      const view = reader.uint();
      const timestamp = reader.uint();
      const client = reader.uint();
      const replica = reader.uint();
      return { type: 'reply', view, timestamp, client, replica, result: readResult(reader) };
    }
    case TAG.status: {
      const view = reader.uint();
      const stableSeq = reader.uint();
      const lastExecuted = reader.uint();
      return { type: 'status', view, stableSeq, lastExecuted, replica: reader.uint() };
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

/** Strict decoding of an untrusted frame. Throws DecodeError (or UnknownTypeError). */
export function decodeMessage(frame: Uint8Array): Signed {
  const reader = new Reader(frame);
  const body = readBody(reader);
  const signedBytes = reader.since(0);
  const signature = reader.fixed(SIGNATURE_BYTES);
  let message: Message;
  if (body.type === 'pre-prepare') {
    const batchStart = reader.offset;
    const batch = readBatch(reader);
    message = { ...body, batch };
    batchBytesOf.set(message as PrePrepare, reader.since(batchStart));
  } else {
    message = body;
  }
  reader.end();
  return { message, signedBytes, signature, frame };
}

/** The received batch section of a decoded PRE-PREPARE, so its digest hashes those exact bytes. */
const batchBytesOf = new WeakMap<PrePrepare, Uint8Array>();

export function batchBytes(prePrepare: PrePrepare): Uint8Array {
  return batchBytesOf.get(prePrepare) ?? encodeBatch(prePrepare.batch);
}

export type { Request };
