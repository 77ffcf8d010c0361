// What Byzantine clients' requests did, for the linearizability checker: a request that a
// correct replica executed joins the history. It took effect between its first send and
// that execution, so that is its interval; its result is what the correct replica
// computed. Writes left out of the history would leave version gaps that the checker
// cannot explain.
import type { Execution } from '../core/replica.ts';
import type { ClientHistory } from './client-history.ts';

export class ByzantineHistory {
  /** First send of each Byzantine client's (client, t). */
  private readonly sentAtMs = new Map<string, number>();
  /** (client, t) already in the history; a replayed request must not enter it twice. */
  private readonly recorded = new Set<string>();

  constructor(
    private readonly history: ClientHistory,
    /** Ids from here up are Byzantine clients (they follow the correct ones). */
    private readonly firstByzantineId: number,
  ) {}

  sent(client: number, timestamp: number, nowMs: number): void {
    const key = `${client}:${timestamp}`;
    if (!this.sentAtMs.has(key)) this.sentAtMs.set(key, nowMs);
  }

  /** Every correct replica executes it; the first one to do so records it, once. */
  executed(executions: readonly Execution[], nowMs: number): void {
    for (const { request, result } of executions) {
      const { client, timestamp, operation } = request.message;
      if (result === undefined || client < this.firstByzantineId) continue;
      const key = `${client}:${timestamp}`;
      const sentAtMs = this.sentAtMs.get(key);
      if (sentAtMs === undefined || this.recorded.has(key)) continue;
      this.recorded.add(key);
      this.history.external(client, operation, result, sentAtMs, nowMs);
    }
  }
}
