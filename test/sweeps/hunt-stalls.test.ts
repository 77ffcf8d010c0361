// pancydb hunt finds protocol flaws that only stall the system (src/core/flaws.ts), through
// the liveness bound of its quiet-tail schedules (src/hunt/quiet-tail.ts), with no
// schedule written for the flaw; the shrunk schedule keeps a tail derived for what it
// has left, and its written text replays the stall with the flaw and passes without it.
import { describe, expect, it } from 'vitest';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import { hunt, replayFires } from '../../src/hunt/index.ts';
import { withQuietTail } from '../../src/hunt/quiet-tail.ts';

/** Each flaw, the hunt seed, and the schedules within which that seed finds it (measured once; the search is deterministic). */
const STALLS: readonly (readonly [ProtocolFlaw, number, number, string])[] = [
  ['checkpoint-stable-on-2f', 14, 2, 'checkpoints stable on 2f CHECKPOINTs: VIEW-CHANGEs carry proofs correct replicas refuse'],
  ['view-change-timeout-not-doubled', 1, 14, 'a view-change timeout that never doubles, on a network slower than T throughout'],
];

describe('hunt: stalls are found through the quiet tail', () => {
  it.each(STALLS)('%s is found as a liveness violation within seed %i\'s first %i schedules (%s)', async (flaw, seed, schedules) => {
    const flaws = new Set([flaw]);
    const result = await hunt({ seed, schedules, workers: 0, flaws, maxShrinkRuns: 4 });
    const finding = result.finding!;
    expect(finding).toBeDefined();
    expect(finding.found.property).toBe('liveness');
    expect(finding.finding.property).toBe('liveness');
    // The shrunk schedule's tail is the one derived from what is left of it.
    expect(finding.scenario['expect']).toBeDefined();
    expect(withQuietTail(finding.scenario)).toEqual(finding.scenario);
    const text = `${JSON.stringify(finding.scenario, null, 2)}\n`;
    expect(await replayFires(text, finding.runSeed, 'liveness', flaws)).toBe(true);
    expect(await replayFires(text, finding.runSeed, 'liveness')).toBe(false);
  });
});
