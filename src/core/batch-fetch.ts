// Batches by digest (OSDI'99 §4.4): O in a NEW-VIEW carries digests only, so a replica
// that lacks a batch fetches it with FETCH-BATCH; peers answer from their batch store.
import { bytesEqual } from './bytes.ts';
import { attachBatch } from './encoding.ts';
import { executeReady } from './execution.ts';
import type { BatchReply, FetchBatch, Signed } from './messages.ts';
import { acceptPrePrepare } from './normal-case.ts';
import type { Replica } from './replica.ts';

/** A lost FETCH-BATCH or BATCH must not cost a view change: ask again until it arrives. */
export function retryFetches(replica: Replica, nowMs: number): void {
  if (!replica.active) return;
  for (const entry of replica.log.awaitingBatches()) {
    const awaited = entry.awaited!;
    if (entry.view !== replica.view || nowMs - awaited.fetchedAtMs < replica.config.statusIntervalMs) continue;
    awaited.fetchedAtMs = nowMs;
    replica.broadcast(awaited.fetch);
  }
}

/** Whether an O entry of the current view waits for the batch with this digest. */
export function awaitsBatch(replica: Replica, digest: Uint8Array): boolean {
  return replica.log.awaitingBatches().some((entry) => entry.view === replica.view && bytesEqual(entry.awaited!.header.message.digest, digest));
}

/** One BATCH per peer per status interval, signed once per batch: a replayed FETCH-BATCH costs nothing more. */
export function onFetchBatch(replica: Replica, signed: Signed<FetchBatch>, nowMs: number): void {
  const { digest, replica: requester } = signed.message;
  if (nowMs - (replica.batchSentAtMs.get(requester) ?? -Infinity) < replica.config.statusIntervalMs / 2) return;
  const reply = replica.batches.reply(digest, (batch) => replica.sign<BatchReply>({ type: 'batch', digest, batch, replica: replica.id }));
  if (reply === undefined) return;
  replica.batchSentAtMs.set(requester, nowMs);
  replica.send({ kind: 'replica', id: requester }, reply);
}

export function onBatch(replica: Replica, signed: Signed<BatchReply>, nowMs: number): void {
  const { digest, batch } = signed.message;
  for (const entry of replica.log.awaitingBatches()) {
    if (entry.view !== replica.view || !replica.active || !bytesEqual(entry.awaited!.header.message.digest, digest)) continue;
    replica.batches.remember(digest, batch, entry.seq);
    acceptPrePrepare(replica, entry, attachBatch(entry.awaited!.header, batch), nowMs);
  }
  executeReady(replica, nowMs);
}
