// A closed loop of clients (each with one request outstanding, as PBFT clients are,
// OSDI'99 §4.1): every client issues its next operation as soon as the last one returns.
// Everything before the warm-up ends is discarded; an operation counts when it completes
// inside the measured window, with the latency it took. After the window no new
// operation starts, and the loop waits for the ones in flight.
import type { Operation, OperationResult } from '../../core/operations.ts';

/** One benchmark client: runs one operation at a time. */
export type Execute = (operation: Operation) => Promise<OperationResult>;

export interface Mix {
  readonly name: string;
  /** Share of gets, 0..1; the rest are puts. */
  readonly getShare: number;
}

export const PUT_ONLY: Mix = { name: '100% put', getShare: 0 };
export const GET_PUT_HALF: Mix = { name: '50% get / 50% put', getShare: 0.5 };

export interface LoopOptions {
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly valueBytes: number;
  readonly mix: Mix;
  /** Distinct keys the clients spread over. */
  readonly keys?: number;
  /** How long to wait for operations still in flight when the window closes. */
  readonly drainMs?: number;
  /**
   * Also closes the window once this returns true (asked before each operation): a run to
   * a count of operations (bench/memory.ts), with durationMs as its cap.
   */
  readonly until?: () => boolean;
}

export interface LoopResult {
  readonly clients: number;
  /** Operations completed inside the window. */
  readonly operations: number;
  readonly opsPerS: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  /** Operations that failed (rejected promises) at any time, warm-up included. */
  readonly errors: number;
  readonly windowMs: number;
}

/** The nearest-rank percentile of sorted values; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** A value of exactly `bytes` ASCII bytes that differs from operation to operation. */
function valueOf(counter: number, bytes: number): string {
  const tag = `${counter}:`;
  return tag.length >= bytes ? tag.slice(0, bytes) : tag + 'v'.repeat(bytes - tag.length);
}

/**
 * @example
 * const result = await runClosedLoop([(op) => client.execute(op)], { warmupMs: 3000, durationMs: 10000, valueBytes: 100, mix: PUT_ONLY });
 */
export async function runClosedLoop(clients: readonly Execute[], options: LoopOptions): Promise<LoopResult> {
  const keys = options.keys ?? 1000;
  const startMs = performance.now();
  const windowStartMs = startMs + options.warmupMs;
  const windowEndMs = windowStartMs + options.durationMs;
  const latenciesMs: number[] = [];
  let errors = 0;
  const loop = async (execute: Execute, index: number) => {
    // Deterministic per client: gets and puts interleave at the mix's share.
    for (let counter = 0; performance.now() < windowEndMs && options.until?.() !== true; counter++) {
      const key = `bench-${(index * 7919 + counter) % keys}`;
      const isGet = Math.floor((counter + 1) * options.mix.getShare) > Math.floor(counter * options.mix.getShare);
      const operation: Operation = isGet ? { type: 'get', key } : { type: 'put', key, value: valueOf(counter, options.valueBytes) };
      const sentMs = performance.now();
      try {
        await execute(operation);
      } catch {
        errors++;
        // A promise that rejects at once would otherwise spin here without letting I/O run.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const doneMs = performance.now();
      if (doneMs >= windowStartMs && doneMs <= windowEndMs) latenciesMs.push(doneMs - sentMs);
    }
  };
  const loops = Promise.all(clients.map((execute, index) => loop(execute, index)));
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    loops.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), options.warmupMs + options.durationMs + (options.drainMs ?? 30_000)))),
  ]);
  clearTimeout(timer);
  if (!drained) throw new Error(`${clients.length} clients: operations still outstanding ${options.drainMs ?? 30_000} ms after the window closed`);
  latenciesMs.sort((a, b) => a - b);
  return {
    clients: clients.length,
    operations: latenciesMs.length,
    opsPerS: latenciesMs.length / (options.durationMs / 1000),
    p50Ms: percentile(latenciesMs, 50),
    p90Ms: percentile(latenciesMs, 90),
    p99Ms: percentile(latenciesMs, 99),
    errors,
    windowMs: options.durationMs,
  };
}
