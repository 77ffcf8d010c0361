// Digest replies (OSDI'99 §5.1): of the replicas answering a request, one designated
// replica sends the result and the others only its SHA-256, which saves bandwidth when
// results are large. The client accepts a result once it holds the full result from one
// replica and as many matching replies (full or digest) as it needs (f+1, or 2f+1 with
// read-only requests), each from a distinct replica: the digests vouch for the result
// exactly as full copies would, since a digest matches only that result. If the designated
// replica is faulty or slow, the client retransmits, and a replica answers a retransmission
// with the full result (requests.ts), so a faulty designee costs a timeout, never a result.
//
// The designee is chosen by (c + t) mod n, so no request field is needed and replies of
// successive requests spread over the replicas.
import type { Crypto } from '../crypto/crypto.ts';
import { encodeResult } from './operation-encoding.ts';
import type { OperationResult } from './operations.ts';

/** The replica that sends request (c, t)'s result in full. */
export function designatedReplier(client: number, timestamp: number, n: number): number {
  return (client + timestamp) % n;
}

/** D(r): what a digest REPLY carries in place of r. */
export function resultDigest(crypto: Crypto, result: OperationResult): Uint8Array {
  return crypto.sha256(encodeResult(result));
}
