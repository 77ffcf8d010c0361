// Batches by digest (OSDI'99 §4.4): O in a NEW-VIEW carries digests only, so replicas
// keep the batches they saw and answer FETCH-BATCH from them. (O entries whose batch is on
// its way wait in their log slot: log.ts, LogEntry.awaited.)
import { bytesEqual, bytesKey } from './bytes.ts';
import type { BatchReply, Signed, SignedRequest } from './messages.ts';
import { NULL_DIGEST } from './new-view.ts';

export class BatchStore {
  /** Each batch with the highest sequence number that used it, for garbage collection. */
  private readonly batches = new Map<string, { readonly batch: readonly SignedRequest[]; seq: number; reply?: Signed<BatchReply> }>();

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

  /**
   * The signed BATCH answer for `digest`, signed once and then resent as is: a replayed
   * FETCH-BATCH must not cost a signature each time.
   */
  reply(digest: Uint8Array, sign: (batch: readonly SignedRequest[]) => Signed<BatchReply>): Signed<BatchReply> | undefined {
    const held = this.batches.get(bytesKey(digest));
    if (held === undefined) return undefined;
    held.reply ??= sign(held.batch);
    return held.reply;
  }

  /** Bytes of the batches and cached answers held (for the memory-bound checker). */
  retainedBytes(): number {
    let total = 0;
    for (const held of this.batches.values()) {
      for (const request of held.batch) total += request.frame.length;
      total += held.reply?.frame.length ?? 0;
    }
    return total;
  }

  /** Garbage collection at a stable checkpoint (§4.3). */
  discardThrough(seq: number): void {
    for (const [key, held] of this.batches) if (held.seq <= seq) this.batches.delete(key);
  }
}
