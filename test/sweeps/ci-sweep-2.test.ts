// Seed sweep of the ci profile, seeds 51..100 (the other half is in ci-sweep-1.test.ts,
// so that vitest runs the halves on both cores). Zero violations allowed.
import { describe, expect, it } from 'vitest';
import { sweep } from '../support/sweep.ts';

describe('sweep: ci profile, n=4, no faults', () => {
  it('seeds 51..100 pass every checker', () => {
    const result = sweep({ firstSeed: 51, seeds: 50 });
    expect(result.failures).toEqual([]);
    expect(result.committed).toBeGreaterThan(50 * 250);
  });
});
