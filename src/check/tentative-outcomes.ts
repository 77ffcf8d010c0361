// Results accepted on tentative replies (OSDI'99 §5.1, core/tentative.ts) whose outcome a
// run's end leaves open. A client accepts before anyone executed, so when a run stops while
// the batch has prepared but not committed, reply-integrity (safety.ts finish) cannot say
// the result is wrong: it may still commit. This records, per request a correct replica
// answered tentatively, the seq and digest of that batch, until a correct replica executes it.
import { bytesEqual } from '../core/bytes.ts';
import type { Reply, ReplyDigest } from '../core/messages.ts';
import type { Execution, Replica } from '../core/replica.ts';

export class TentativeOutcomes {
  /** "client:t" -> the batch a correct replica answered it tentatively from. */
  private readonly batches = new Map<string, { readonly seq: number; readonly digest: Uint8Array | undefined }>();

  /** A correct replica's reply: a tentative one answers the batch at its lastExecuted+1. */
  onReply(replica: Replica, reply: Reply | ReplyDigest): void {
    if (reply.tentative !== true) return;
    const seq = replica.lastExecuted + 1;
    this.batches.set(`${reply.client}:${reply.timestamp}`, { seq, digest: replica.log.get(seq)?.digest });
  }

  onExecuted(executions: readonly Execution[]): void {
    for (const { request } of executions) this.batches.delete(`${request.message.client}:${request.message.timestamp}`);
  }

  /**
   * Whether "client:t" may still commit at the end of the run: its batch was answered
   * tentatively, no correct replica executed its seq (`executedSeq` is the highest any did),
   * and none committed another digest there (that batch lost its seq).
   */
  inFlight(key: string, executedSeq: number, committedDigest: (seq: number) => Uint8Array | undefined): boolean {
    const batch = this.batches.get(key);
    if (batch === undefined || batch.seq <= executedSeq) return false;
    const committed = committedDigest(batch.seq);
    return committed === undefined || batch.digest === undefined || bytesEqual(committed, batch.digest);
  }
}
