// The offline check of evidence of equivocation: two frames, each a statement's signed
// bytes followed by its 64-byte signature, judged with public keys only. It shares with
// the replica that kept them (src/core/evidence.ts) only the decoder, so a mistake there
// cannot vouch for itself.
//
// Evidence convicts replica R of kind K at slot S when both frames decode as K statements
// signed by R for S, say different things there, and both signatures verify under R's
// public key. A correct replica never signs two such statements (OSDI'99 §4.2 for
// PRE-PREPARE, PREPARE and COMMIT per (v, n), §4.3 for CHECKPOINT per n, §4.4 for
// VIEW-CHANGE per view), and no one else can sign for it (§2), so R is faulty.
import { bytesEqual } from '../core/bytes.ts';
import { decodeMessage, SIGNATURE_BYTES } from '../core/encoding.ts';
import { EVIDENCE_KINDS, type EvidenceKind, type Statement } from '../core/evidence.ts';
import type { Crypto } from '../crypto/crypto.ts';

export interface Conviction {
  readonly culprit: number;
  readonly kind: EvidenceKind;
  readonly view: number | undefined;
  readonly seq: number | undefined;
}

export interface EvidenceKeys {
  /** The public key of replica `id`, or undefined when the cluster has no such replica. */
  keyOf(id: number): Uint8Array | undefined;
  /** How the cluster was named, for messages: "the cluster of seed 7 (n=4)". */
  readonly description: string;
}

/** The culprit, or why the two frames convict no one. */
export function verifyEvidence(frames: readonly [Uint8Array, Uint8Array], keys: EvidenceKeys, crypto: Pick<Crypto, 'verify'>): Conviction | { readonly problem: string } {
  const first = decodeStatement(frames[0], 'frame 1');
  if (typeof first === 'string') return { problem: first };
  const second = decodeStatement(frames[1], 'frame 2');
  if (typeof second === 'string') return { problem: second };
  const a = first.message;
  const b = second.message;
  if (a.type !== b.type) return { problem: `the frames are a ${a.type.toUpperCase()} and a ${b.type.toUpperCase()}: not one kind of statement` };
  if (a.replica !== b.replica) return { problem: `the frames are signed by different replicas (${a.replica} and ${b.replica})` };
  const slot = slotOf(first);
  const slotA = describeConviction(slot);
  const slotB = describeConviction(slotOf(second));
  if (slotA !== slotB) return { problem: `the frames are for different slots (${slotA} and ${slotB}): no conflict` };
  if (bytesEqual(first.signedBytes, second.signedBytes)) return { problem: `the two frames say the same thing at ${slotA}: a retransmission, not equivocation` };
  const key = keys.keyOf(a.replica);
  if (key === undefined) return { problem: `replica ${a.replica} has no key in ${keys.description}` };
  for (const [which, statement] of [['frame 1', first], ['frame 2', second]] as const) {
    if (!crypto.verify(key, statement.signedBytes, statement.signature)) return { problem: `${which}: the signature does not verify with replica ${a.replica}'s public key in ${keys.description}` };
  }
  return { culprit: a.replica, kind: a.type, ...slot };
}

/** "v=0 n=3", "n=200", "v=2": a slot as evidence names it. */
export function describeConviction(conviction: Pick<Conviction, 'view' | 'seq'>): string {
  return [conviction.view === undefined ? '' : `v=${conviction.view}`, conviction.seq === undefined ? '' : `n=${conviction.seq}`].filter((part) => part !== '').join(' ');
}

/**
 * A frame as evidence carries it. A PRE-PREPARE's signature covers its header only
 * (encoding.ts), so its frame is the header; the one strict decoder reads it once an empty
 * batch section, which no signature covers, is put after it.
 */
function decodeStatement(frame: Uint8Array, which: string): Statement | string {
  if (frame.length <= SIGNATURE_BYTES) return `${which}: ${frame.length} bytes, too short for a signed statement`;
  let plainError: string;
  try {
    const signed = decodeMessage(frame);
    if (signed.message.type === 'pre-prepare') return `${which}: a PRE-PREPARE with its batch; evidence carries the signed header only`;
    return isStatementKind(signed.message.type) ? (signed as Statement) : `${which}: a ${signed.message.type.toUpperCase()}, not one of ${EVIDENCE_KINDS.map((kind) => kind.toUpperCase()).join(', ')}`;
  } catch (error) {
    plainError = error instanceof Error ? error.message : String(error);
  }
  try {
    const header = new Uint8Array(frame.length + 1);
    header.set(frame);
    const signed = decodeMessage(header);
    if (signed.message.type === 'pre-prepare') return signed as Statement;
  } catch {
    // Not a PRE-PREPARE header either: the first error says more.
  }
  return `${which} does not decode: ${plainError}`;
}

function isStatementKind(type: string): type is EvidenceKind {
  return (EVIDENCE_KINDS as readonly string[]).includes(type);
}

/** (v, n) for votes, n for CHECKPOINT, the view asked for by a VIEW-CHANGE. */
function slotOf(statement: Statement): Pick<Conviction, 'view' | 'seq'> {
  const message = statement.message;
  switch (message.type) {
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return { view: message.view, seq: message.seq };
    case 'checkpoint':
      return { view: undefined, seq: message.seq };
    case 'view-change':
      return { view: message.newView, seq: undefined };
  }
}
