// Heap measurement for memory-bound tests. vitest runs tests in worker threads without
// --expose-gc; V8 still hands out its gc() to a fresh context once the flag is set at
// run time, so a test can collect garbage before it reads the heap and measure what is
// retained rather than what happens not to have been collected yet.
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Full collections until the heap stops shrinking (at most five). */
export function collectGarbage(): void {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    gc();
    const used = liveBytes();
    if (used >= previous) return;
    previous = used;
  }
}

/** JavaScript heap plus ArrayBuffer backing stores (where frames and copies live). */
export function liveBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Bytes still reachable after `work` that were not before it, after full collections. */
export function retainedBytes(work: () => void): number {
  collectGarbage();
  const before = liveBytes();
  work();
  collectGarbage();
  return liveBytes() - before;
}
