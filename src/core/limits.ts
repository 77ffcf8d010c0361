// Size and nesting limits on untrusted frames, checked by the gateway before anything is
// decoded (gateway.ts admit) and by the decoder while it descends into nested frames
// (encoding.ts). A frame over its sender's cap is dropped unread, so a Byzantine peer
// cannot make a replica allocate, hash or verify more than the cap per frame.
//
// The caps are derived from the largest message a correct peer can send, field by field,
// with every integer at its widest (8 bytes of LEB128, the most the reader accepts) and
// every length prefix at 8 bytes, so the bound is safe rather than tight.
import type { ProtocolParameters } from './config.ts';

/**
 * Largest frame accepted from a client: one REQUEST, i.e. an operation with a key and
 * one or two values (cas carries expected and desired), a timestamp, a client id, a
 * 64-byte signature and, in 'mac' mode, one 16-byte MAC per replica (auth.ts). Pancydb sets no key or value limit of its own; the workloads write
 * keys and values of a few dozen bytes, so 64 KiB leaves three orders of magnitude of
 * room while keeping a full batch (B of them) at a few MB.
 */
export const CLIENT_FRAME_MAX_BYTES = 64 * 1024;

/**
 * Bytes of frames from the future (later views, above H) buffered per sender, on top of
 * the count cap (futureBufferPerSender). Such frames are buffered before their signatures
 * are checked (gateway.ts), so without a byte cap one Byzantine replica could park
 * count × frame-cap bytes (512 MiB with the defaults) in every correct replica. An empty
 * queue always takes one frame, so a single large honest PRE-PREPARE still fits.
 */
export const FUTURE_BUFFER_BYTES_PER_SENDER = 1024 * 1024;

/**
 * Budget for one STATE message (state transfer): the store snapshot, the client table
 * and the checkpoint proof. The store has no size limit of its own, so this is a policy:
 * a replica cannot fetch a store bigger than this in one message (the simulated
 * workloads' stores are a few KB). Larger stores would need chunked state transfer, as
 * in the BFT library's partition tree (Castro & Liskov, TOCS 2002 §6.2).
 */
export const STATE_FRAME_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Frames nest at most this deep, counting the outermost frame as 1. The deepest correct
 * message is NEW-VIEW (1) → VIEW-CHANGE in V (2) → PREPARE, CHECKPOINT or PRE-PREPARE
 * header in its proof (3); a COMMIT-CERTIFICATE (1) → PRE-PREPARE (2) → REQUEST (3) is as
 * deep. Anything deeper is malformed, and refusing it keeps decoding's recursion (and
 * stack) bounded whatever the frame's length.
 */
export const MAX_FRAME_DEPTH = 3;

/** Widest LEB128 integer the reader accepts, and so the widest length prefix. */
const UINT_MAX_BYTES = 8;
const SIGNATURE_BYTES = 64;
const DIGEST_BYTES = 32;
/** tag, view, seq, digest, replica, signature: PREPARE, COMMIT and a PRE-PREPARE header. */
const VOTE_FRAME_BYTES = 1 + 3 * UINT_MAX_BYTES + DIGEST_BYTES + SIGNATURE_BYTES;
/** tag, seq, digest, replica, signature. */
const CHECKPOINT_FRAME_BYTES = 1 + 2 * UINT_MAX_BYTES + DIGEST_BYTES + SIGNATURE_BYTES;
const nested = (frameBytes: number): number => UINT_MAX_BYTES + frameBytes;

/** The largest message of each kind a correct replica sends, STATE excepted. */
export function protocolFrameBounds(parameters: Pick<ProtocolParameters, 'n' | 'logWindow' | 'maxBatch'>): Record<string, number> {
  const { n, logWindow: l, maxBatch: b } = parameters;
  const prePrepare = VOTE_FRAME_BYTES + UINT_MAX_BYTES + b * nested(CLIENT_FRAME_MAX_BYTES);
  // P: at most L prepared certificates (one per seq in (h, h+L]), each a header and at
  // most n PREPAREs; C: at most n CHECKPOINTs (§4.4). n, not 2f, to stay safe.
  const certificate = nested(VOTE_FRAME_BYTES) + UINT_MAX_BYTES + n * nested(VOTE_FRAME_BYTES);
  const viewChange = 1 + 3 * UINT_MAX_BYTES + UINT_MAX_BYTES + n * nested(CHECKPOINT_FRAME_BYTES) + UINT_MAX_BYTES + l * certificate + SIGNATURE_BYTES;
  // V: at most n VIEW-CHANGEs; O: at most L PRE-PREPARE headers.
  const newView = 1 + 2 * UINT_MAX_BYTES + UINT_MAX_BYTES + n * nested(viewChange) + UINT_MAX_BYTES + l * nested(VOTE_FRAME_BYTES) + SIGNATURE_BYTES;
  const commitCertificate = 1 + UINT_MAX_BYTES + nested(prePrepare) + UINT_MAX_BYTES + n * nested(VOTE_FRAME_BYTES) + SIGNATURE_BYTES;
  const batch = 1 + DIGEST_BYTES + UINT_MAX_BYTES + SIGNATURE_BYTES + UINT_MAX_BYTES + b * nested(CLIENT_FRAME_MAX_BYTES);
  return { request: CLIENT_FRAME_MAX_BYTES, 'pre-prepare': prePrepare, 'view-change': viewChange, 'new-view': newView, 'commit-certificate': commitCertificate, batch };
}

/**
 * Largest frame accepted from a replica: the largest of STATE's budget and the bounds of
 * every other message. With the defaults (n=4, L=200, B=64) a full PRE-PREPARE or
 * COMMIT-CERTIFICATE is about 4.0 MiB and a NEW-VIEW about 0.53 MiB, so the 8 MiB STATE
 * budget decides: 8 MiB. It stays 8 MiB up to n=13 (NEW-VIEW ≈ 4.5 MiB there); beyond, or
 * with a larger B, the derived bound takes over.
 * @example
 * replicaFrameMaxBytes({ n: 4, logWindow: 200, maxBatch: 64 }); // 8388608
 */
export function replicaFrameMaxBytes(parameters: Pick<ProtocolParameters, 'n' | 'logWindow' | 'maxBatch'>): number {
  return Math.max(STATE_FRAME_MAX_BYTES, ...Object.values(protocolFrameBounds(parameters)));
}

/** Replica caps by parameters object: the gateway asks once per frame, the config never changes. */
const replicaCaps = new WeakMap<object, number>();

/** The cap for a frame handed over by `kind`, as the gateway applies it. */
export function frameMaxBytes(kind: 'replica' | 'client', parameters: Pick<ProtocolParameters, 'n' | 'logWindow' | 'maxBatch'>): number {
  if (kind === 'client') return CLIENT_FRAME_MAX_BYTES;
  let cap = replicaCaps.get(parameters);
  if (cap === undefined) {
    cap = replicaFrameMaxBytes(parameters);
    replicaCaps.set(parameters, cap);
  }
  return cap;
}
