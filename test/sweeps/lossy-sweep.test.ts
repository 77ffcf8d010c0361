// Seed sweeps under network faults: loss with reordering and duplication, n=4 and n=7.
import { describe, expect, it } from 'vitest';
import { sweep } from '../support/sweep.ts';

describe('sweep: ci profile under network faults', () => {
  it('n=4, 20% loss: 20 seeds pass every checker', () => {
    const result = sweep({ firstSeed: 1000, seeds: 20, network: { loss: 0.2 }, replayFlags: '-l 0.2' });
    expect(result.failures).toEqual([]);
    expect(result.committed).toBeGreaterThan(20 * 100);
  });

  it('n=7, 5% loss, jitter, reordering and duplication: 10 seeds pass every checker', () => {
    const result = sweep({
      firstSeed: 2000,
      seeds: 10,
      n: 7,
      network: { loss: 0.05, jitterMs: 2, reorder: 0.1, duplicate: 0.02 },
      replayFlags: '-n 7 -l 0.05 --jitter 2 --reorder 0.1 --duplicate 0.02',
    });
    expect(result.failures).toEqual([]);
  });
});
