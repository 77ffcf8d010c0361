// Runs a sweep's seeds on worker threads, one per core by default. Seeds are handed out
// one at a time, so the workers stay busy however uneven the seeds' costs. Reports are
// passed on in seed order, so a sweep prints the same lines whatever the thread timing:
// each seed's run is deterministic and independent of which thread ran it.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SeedReport } from '../../sim/run.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './protocol.ts';

export interface SweepOptions {
  readonly args: readonly string[];
  readonly seeds: readonly number[];
  /** Default: the machine's available parallelism, at most one per seed. */
  readonly workers?: number;
  /** Each report, in seed order. */
  readonly onReport: (report: SeedReport) => void;
  /** After each report arrives (any order): done so far, for a progress line. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

export function defaultWorkers(seeds: number): number {
  return Math.max(1, Math.min(availableParallelism(), seeds));
}

export async function runSweepInWorkers(options: SweepOptions): Promise<void> {
  const total = options.seeds.length;
  if (total === 0) return;
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(total), total));
  const pending = new Map<number, SeedReport>();
  let nextToHand = 0;
  let nextToEmit = 0;
  let done = 0;
  const emitInOrder = () => {
    for (let seed = options.seeds[nextToEmit]; seed !== undefined && pending.has(seed); seed = options.seeds[nextToEmit]) {
      options.onReport(pending.get(seed)!);
      pending.delete(seed);
      nextToEmit++;
    }
  };
  const setup: WorkerSetup = { args: [...options.args] };
  await new Promise<void>((resolve, reject) => {
    const threads: Worker[] = [];
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const thread of threads) void thread.terminate();
      reject(error);
    };
    const handOut = (thread: Worker) => {
      const seed = options.seeds[nextToHand++];
      thread.postMessage((seed === undefined ? { kind: 'stop' } : { kind: 'seed', seed }) satisfies ToWorker);
    };
    let exited = 0;
    for (let index = 0; index < workers; index++) {
      const thread = new Worker(BOOTSTRAP, { workerData: setup });
      threads.push(thread);
      thread.on('message', (message: FromWorker) => {
        if (message.kind === 'error') return fail(new Error(message.message));
        if (message.kind === 'report') {
          pending.set(message.seed, message.report);
          done++;
          options.onProgress?.(done, total);
          emitInOrder();
        }
        handOut(thread);
      });
      thread.on('error', fail);
      thread.on('exit', () => {
        if (++exited === workers && !failed) {
          if (done === total) resolve();
          else fail(new Error(`sweep workers exited after ${done} of ${total} seeds`));
        }
      });
    }
  });
}
