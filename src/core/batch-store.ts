// Batches by digest (OSDI'99 §4.4): O in a NEW-VIEW carries digests only, so replicas
// keep the batches they saw, answer FETCH-BATCH from them, and park O entries whose batch
// is still on its way.
import { bytesEqual, bytesKey } from './bytes.ts';
import type { PrePrepareHeader, Signed, SignedRequest } from './messages.ts';
import { NULL_DIGEST } from './new-view.ts';

export class BatchStore {
  /** Each batch with the highest sequence number that used it, for garbage collection. */
  private readonly batches = new Map<string, { readonly batch: readonly SignedRequest[]; seq: number }>();
  private readonly awaiting = new Map<string, Signed<PrePrepareHeader>[]>();

  remember(digest: Uint8Array, batch: readonly SignedRequest[], seq: number): void {
    if (batch.length === 0) return;
    const key = bytesKey(digest);
    const held = this.batches.get(key);
    if (held !== undefined) held.seq = Math.max(held.seq, seq);
    else this.batches.set(key, { batch, seq });
  }

  /** The batch for `digest`; the null request's is empty. */
  get(digest: Uint8Array): readonly SignedRequest[] | undefined {
    return bytesEqual(digest, NULL_DIGEST) ? [] : this.batches.get(bytesKey(digest))?.batch;
  }

  /** Parks an O entry until its batch arrives. */
  await(header: Signed<PrePrepareHeader>): void {
    const key = bytesKey(header.message.digest);
    const parked = this.awaiting.get(key) ?? [];
    parked.push(header);
    this.awaiting.set(key, parked);
  }

  /** The O entries waiting for `digest`, which are no longer waiting once taken. */
  takeAwaiting(digest: Uint8Array): Signed<PrePrepareHeader>[] | undefined {
    const key = bytesKey(digest);
    const parked = this.awaiting.get(key);
    this.awaiting.delete(key);
    return parked;
  }

  /** Garbage collection at a stable checkpoint (§4.3). */
  discardThrough(seq: number): void {
    for (const [key, held] of this.batches) if (held.seq <= seq) this.batches.delete(key);
  }
}
