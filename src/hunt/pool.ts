// The hunt's search over schedule indexes 0, 1, 2, … (or, for shard I of K, I, I+K, I+2K, …)
// on worker threads, one per core by default (as a sweep's, src/cli/sweep/pool.ts). Indexes
// are handed out in order, one at a time; once one fails, no more are handed out and the
// search waits for the lower indexes still running, so the failure it reports is the lowest
// failing index among those run: the same whatever the thread timing, for a hunt that
// reaches it. For the same reason the indexes run always include a gapless prefix of the
// stride: every index below the failure, or, when nothing failed, every index handed out.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Finding } from './run-schedule.ts';

export interface HuntWorkerSetup {
  readonly huntSeed: number;
  readonly n: 4 | 7 | undefined;
  /** Protocol flaws as strings (a Set does not cross threads). */
  readonly flaws: readonly string[];
}

export type ToHuntWorker = { readonly kind: 'schedule'; readonly index: number } | { readonly kind: 'stop' };
export type FromHuntWorker = { readonly kind: 'ready' } | { readonly kind: 'result'; readonly index: number; readonly findings: readonly Finding[] };

/** The indexes a search visits: first, first + step, first + 2·step, … (shard I of K: I and K; a whole hunt: 0 and 1). */
export interface Stride {
  readonly first: number;
  readonly step: number;
}

export interface SearchOptions {
  /** Run no index at or above this one (--schedules N: N). */
  readonly schedules: number;
  readonly stride: Stride;
  /** Hand out no schedule after this performance.now() time. */
  readonly deadlineMs: number;
  readonly workers: number;
  /** After each schedule finishes: how many have. */
  readonly onDone?: (done: number) => void;
}

export interface SearchResult {
  readonly done: number;
  /** The lowest failing index and its findings, if any. */
  readonly failed: { readonly index: number; readonly findings: readonly Finding[] } | undefined;
}

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

export function defaultHuntWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Runs schedules on `options.workers` threads until one fails, the count is reached or the deadline passes. */
export async function searchInWorkers(setup: HuntWorkerSetup, options: SearchOptions): Promise<SearchResult> {
  const threads: Worker[] = [];
  const running = new Set<number>();
  const stopped = new Set<Worker>();
  let nextIndex = options.stride.first;
  let done = 0;
  let failed: SearchResult['failed'];
  try {
    return await new Promise<SearchResult>((resolve, reject) => {
      const finishIfIdle = () => {
        // Done once nothing below the failure (or nothing at all) is still running.
        const waiting = [...running].some((index) => failed === undefined || index < failed.index);
        if (!waiting) resolve({ done, failed });
      };
      const handOut = (thread: Worker) => {
        const stop = failed !== undefined || nextIndex >= options.schedules || performance.now() >= options.deadlineMs;
        if (stop) {
          stopped.add(thread);
          thread.postMessage({ kind: 'stop' } satisfies ToHuntWorker);
          finishIfIdle();
          return;
        }
        running.add(nextIndex);
        thread.postMessage({ kind: 'schedule', index: nextIndex } satisfies ToHuntWorker);
        nextIndex += options.stride.step;
      };
      for (let count = 0; count < options.workers; count++) {
        const thread = new Worker(BOOTSTRAP, { workerData: setup });
        threads.push(thread);
        thread.on('message', (message: FromHuntWorker) => {
          if (message.kind === 'result') {
            running.delete(message.index);
            done++;
            options.onDone?.(done);
            if (message.findings.length > 0 && (failed === undefined || message.index < failed.index)) failed = { index: message.index, findings: message.findings };
          }
          handOut(thread);
        });
        thread.on('error', reject);
        // A thread that ends on its own (out of memory, process.exit) would leave its schedule unfinished for ever.
        thread.on('exit', (code) => {
          if (!stopped.has(thread)) reject(new Error(`a hunt worker exited (code ${code}) while running a schedule`));
        });
      }
    });
  } finally {
    for (const thread of threads) stopped.add(thread);
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}
