// What a replica writes to its disk, as bytes (the storage below, src/storage/, sees only
// opaque records). Three kinds of WAL record, each a tag and signed frames:
//   FRAME        one frame that binds the replica or that it must not lose: its own
//                PRE-PREPARE (with the batch), PREPARE, COMMIT, CHECKPOINT, VIEW-CHANGE and
//                NEW-VIEW, and the PRE-PREPAREs (with batches) and NEW-VIEWs it accepted;
//   CERTIFICATE  a prepared certificate (§4.4's P): the PRE-PREPARE header and 2f PREPAREs;
//   CERTIFIED    a PRE-PREPARE proven committed by a commit certificate, executed in its turn.
// A stable checkpoint file holds the state (store, nextVersion, client table) with its
// 2f+1 proof, as a STATE message, followed by the WAL records still live at that point, so
// the segments before it can go (see durability.ts).
import { Reader, Writer, DecodeError } from './bytes.ts';
import { decodeMessage, encodeBatch, encodeSigned, headerOf, SIGNATURE_BYTES } from './encoding.ts';
import type { PreparedCertificate, PrePrepare, PrePrepareHeader, Prepare, Signed, StateTransfer } from './messages.ts';

export type DurableRecord =
  | { readonly kind: 'frame'; readonly signed: Signed }
  | { readonly kind: 'certificate'; readonly certificate: PreparedCertificate }
  | { readonly kind: 'certified'; readonly prePrepare: Signed<PrePrepare> };

const TAG = { frame: 1, certificate: 2, certified: 3 } as const;

export function encodeRecord(record: DurableRecord): Uint8Array {
  const writer = new Writer().uint(TAG[record.kind]);
  switch (record.kind) {
    case 'frame':
      return writer.bytes(record.signed.frame).finish();
    case 'certificate': {
      const { prePrepare, prepares } = record.certificate;
      writer.bytes(prePrepare.frame).uint(prepares.length);
      for (const prepare of prepares) writer.bytes(prepare.frame);
      return writer.finish();
    }
    case 'certified':
      return writer.bytes(record.prePrepare.frame).finish();
  }
}

/**
 * Decodes a record read back from our own disk. The storage's CRC vouches for the bytes,
 * so signatures are not checked again; a record that does not parse is corruption.
 */
export function decodeRecord(bytes: Uint8Array): DurableRecord {
  const reader = new Reader(bytes);
  const tag = reader.uint();
  let record: DurableRecord;
  if (tag === TAG.frame) {
    record = { kind: 'frame', signed: decodeMessage(reader.bytes()) };
  } else if (tag === TAG.certificate) {
    const prePrepare = decodeHeader(reader.bytes());
    const count = reader.uint();
    const prepares: Signed<Prepare>[] = [];
    for (let i = 0; i < count; i++) prepares.push(expect(decodeMessage(reader.bytes()), 'prepare') as Signed<Prepare>);
    record = { kind: 'certificate', certificate: { prePrepare, prepares } };
  } else if (tag === TAG.certified) {
    record = { kind: 'certified', prePrepare: expect(decodeMessage(reader.bytes()), 'pre-prepare') as Signed<PrePrepare> };
  } else {
    throw new DecodeError(`unknown durable record tag ${tag}`);
  }
  reader.end();
  return record;
}

/** A header frame is a PRE-PREPARE frame without its batch section: decode it with an empty one. */
function decodeHeader(frame: Uint8Array): Signed<PrePrepareHeader> {
  const empty = encodeBatch([]);
  const whole = new Uint8Array(frame.length + empty.length);
  whole.set(frame);
  whole.set(empty, frame.length);
  return headerOf(expect(decodeMessage(whole), 'pre-prepare') as Signed<PrePrepare>);
}

function expect(signed: Signed, type: string): Signed {
  if (signed.message.type !== type) throw new DecodeError(`expected a ${type} frame, got ${signed.message.type}`);
  return signed;
}

/** The state of a stable checkpoint and the records live beside it. */
export interface CheckpointFile {
  readonly state: StateTransfer;
  readonly records: readonly DurableRecord[];
}

/**
 * The state goes in as an unsigned STATE message: the STATE encoding already covers
 * store, nextVersion, client table and proof, and a file on our own disk needs no
 * signature of ours (a zero one fills the slot).
 */
export function encodeCheckpointFile(file: CheckpointFile): Uint8Array {
  const state = encodeSigned(file.state, () => new Uint8Array(SIGNATURE_BYTES));
  const writer = new Writer().bytes(state.frame).uint(file.records.length);
  for (const record of file.records) writer.bytes(encodeRecord(record));
  return writer.finish();
}

export function decodeCheckpointFile(bytes: Uint8Array): CheckpointFile {
  const reader = new Reader(bytes);
  const state = expect(decodeMessage(reader.bytes()), 'state').message as StateTransfer;
  const count = reader.uint();
  const records: DurableRecord[] = [];
  for (let i = 0; i < count; i++) records.push(decodeRecord(reader.bytes()));
  reader.end();
  return { state, records };
}
