// OSDI'99 §4.3: garbage collection keeps the log between the watermarks, so it never
// holds more than L sequence numbers, however many requests go through.
import { describe, expect, it } from 'vitest';
import { simulate } from '../support/simulate.ts';

describe('memory bound', () => {
  it('20,000 requests: at every step every log holds at most L sequence numbers', () => {
    const logWindow = 40;
    let largestLog = 0;
    let steps = 0;
    const run = simulate({
      seed: 7,
      durationMs: 45_000,
      // A small K and L make the window bind often: the primary waits at H for checkpoints.
      parameters: { checkpointInterval: 20, logWindow },
      workload: { kind: 'random', clients: 32, keys: 8, mix: { get: 1, put: 2, cas: 1, remove: 1 } },
      afterReplicaStep: (replica) => {
        steps++;
        expect(replica.log.size).toBeLessThanOrEqual(logWindow);
        largestLog = Math.max(largestLog, replica.log.size);
      },
    });
    expect(run.report.violations).toEqual([]);
    expect(run.report.committed).toBeGreaterThanOrEqual(20_000);
    expect(steps).toBeGreaterThan(run.report.committed);
    // The bound was approached, not vacuously met by a log that never filled.
    expect(largestLog).toBeGreaterThan(logWindow / 4);
    for (const replica of run.context.replicas) {
      expect(replica.lowWatermark).toBeGreaterThan(run.report.executedSeq - logWindow - 20);
    }
  });
});
