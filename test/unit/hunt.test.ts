// pancydb hunt (src/hunt/index.ts): on a protocol broken on purpose (src/core/flaws.ts,
// set from code only) it finds a schedule within a small budget and writes one whose replay
// breaks the same property; on the protocol as specified it finds nothing over a budget.
import { describe, expect, it } from 'vitest';
import { hunt, replayFires } from '../../src/hunt/index.ts';

describe('hunt: finding a broken protocol', () => {
  it("'execute-out-of-order' (no faulty replica needed) is found within 5 schedules, shrunk, and the written schedule replays the same property", async () => {
    const flaws = new Set(['execute-out-of-order'] as const);
    const result = await hunt({ seed: 1, schedules: 5, workers: 0, flaws, maxShrinkRuns: 8 });
    const finding = result.finding!;
    expect(finding).toBeDefined();
    expect(finding.found.property).toBe('state-agreement');
    expect(finding.finding.property).toBe(finding.found.property);
    expect(result.schedulesRun).toBe(finding.index + 1);
    const text = `${JSON.stringify(finding.scenario, null, 2)}\n`;
    expect(await replayFires(text, finding.runSeed, finding.found.property, flaws)).toBe(true);
    // The replay needs the flaw: the same file on the protocol as specified is clean.
    expect(await replayFires(text, finding.runSeed, finding.found.property)).toBe(false);
  });

  it('the same hunt seed finds the same schedule (one thread or two)', async () => {
    const flaws = new Set(['cas-as-put'] as const);
    const here = await hunt({ seed: 1, schedules: 5, workers: 0, flaws, shrink: false });
    const threads = await hunt({ seed: 1, schedules: 5, workers: 2, flaws, shrink: false });
    expect(here.finding?.index).toBeDefined();
    expect(threads.finding?.index).toBe(here.finding?.index);
    expect(threads.finding?.found).toEqual(here.finding?.found);
  });

  it('the protocol as specified: nothing found over 5 schedules', async () => {
    const result = await hunt({ seed: 2, schedules: 5, workers: 0 });
    expect(result.finding).toBeUndefined();
    expect(result.schedulesRun).toBe(5);
  });
});
