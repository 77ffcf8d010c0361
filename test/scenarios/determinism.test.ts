// One seed decides a whole run: the same seed gives a byte-identical -V trace.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simulate } from '../support/simulate.ts';

function traceHash(seed: number): { hash: string; lines: number } {
  const hash = createHash('sha256');
  let lines = 0;
  simulate({
    seed,
    durationMs: 4000,
    // Every random draw of the network is exercised: loss, jitter, reordering, duplication.
    network: { loss: 0.1, jitterMs: 2, reorder: 0.1, duplicate: 0.05 },
    trace: (line) => {
      hash.update(line).update('\n');
      lines++;
    },
  });
  return { hash: hash.digest('hex'), lines };
}

describe('determinism', () => {
  it('the same seed twice gives a byte-identical -V trace', () => {
    const first = traceHash(42);
    const second = traceHash(42);
    expect(first.lines).toBeGreaterThan(1000);
    expect(second).toEqual(first);
  });

  it('another seed gives another trace', () => {
    expect(traceHash(43).hash).not.toBe(traceHash(42).hash);
  });
});
