// pancydb hunt's schedule drawer (src/hunt/draw.ts): one hunt seed, the same schedules;
// every schedule a valid scenario file with at most f faulty replicas.
import { describe, expect, it } from 'vitest';
import { drawSchedule, faultyReplicasOf } from '../../src/hunt/draw.ts';
import { isThroughout, TAIL_WORKLOAD_S } from '../../src/hunt/quiet-tail.ts';
import type { Scenario } from '../../src/scenario/scenario.ts';
import { HUNT_ADVERSARIES } from '../../src/hunt/adversaries.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';

/** 2000 passed once by hand (14 s); 300 keep the test fast. */
const DRAWS = 300;

describe('hunt: the schedule drawer', () => {
  it('is deterministic: the same (seed, index) gives the same scenario, byte for byte; another seed another', () => {
    for (let index = 0; index < 50; index++) expect(JSON.stringify(drawSchedule(3, index))).toBe(JSON.stringify(drawSchedule(3, index)));
    const first = Array.from({ length: 20 }, (_, index) => JSON.stringify(drawSchedule(3, index)));
    const other = Array.from({ length: 20 }, (_, index) => JSON.stringify(drawSchedule(4, index)));
    expect(first.filter((text, index) => text === other[index])).toEqual([]);
  });

  it(`every one of ${DRAWS} drawn schedules passes the scenario loader, with at most f faulty replicas (adversaries, crashes for good, amnesia)`, async () => {
    const adversaries = new Set<string>();
    const sizes = new Set<number>();
    let withCrashes = 0;
    let withPartitions = 0;
    let withByzantineClients = 0;
    for (let index = 0; index < DRAWS; index++) {
      const scenario = drawSchedule(11, index);
      const loaded = await loadScenarioText(JSON.stringify(scenario), `draw-${index}.json`);
      expect(loaded.expect.kind).toBe(scenario['expect'] === undefined ? 'safe' : 'live');
      // Counted from the loaded scenario, not by the drawer's own function: adversaries, and replicas that crash for good or lose their disk.
      const lost = loaded.network.crashes.filter((crash) => crash.restartAtMs === undefined || crash.amnesia === true).map((crash) => crash.replica);
      const faulty = new Set([...loaded.faulty.keys(), ...lost]);
      expect(faulty.size).toBeLessThanOrEqual(loaded.f);
      expect(faultyReplicasOf(scenario)).toEqual([...faulty].sort((a, b) => a - b));
      for (const spec of loaded.faulty.values()) adversaries.add(spec.adversary);
      sizes.add(loaded.n);
      if (loaded.network.crashes.length > 0) withCrashes++;
      if (loaded.network.partitions.length > 0) withPartitions++;
      if (loaded.byzantineClients !== undefined) withByzantineClients++;
      // Short runs, so that many schedules run a minute; a quiet tail adds its bound.
      if (loaded.expect.kind === 'safe') expect(loaded.durationMs).toBeLessThanOrEqual(8000);
    }
    // The mix is real: every adversary, both sizes, and each kind of fault appear.
    expect([...adversaries].sort()).toEqual([...HUNT_ADVERSARIES].sort());
    expect([...sizes].sort()).toEqual([4, 7]);
    expect(withCrashes).toBeGreaterThan(DRAWS / 10);
    expect(withPartitions).toBeGreaterThan(DRAWS / 4);
    expect(withByzantineClients).toBeGreaterThan(DRAWS / 10);
  });

  it(`about half of ${DRAWS} schedules end in a quiet tail: GST after every fault window, requests called after it, and a run that lasts to the last deadline`, async () => {
    let tails = 0;
    let slowThroughout = 0;
    for (let index = 0; index < DRAWS; index++) {
      const scenario = drawSchedule(11, index);
      if (scenario['expect'] === undefined) continue;
      tails++;
      const loaded = await loadScenarioText(JSON.stringify(scenario), `draw-${index}.json`);
      const { liveAfterMs, completeWithinMs } = liveBound(loaded);
      const { partitions, crashes } = loaded.network;
      const slowLinks = loaded.network.slowLinks ?? [];
      const throughout = slowLinks.filter((link) => isThroughout({ ...link, fromS: link.fromMs / 1000, untilS: link.untilMs / 1000 }, loaded.durationMs / 1000));
      const windowEnds = [...partitions.map((p) => p.untilMs), ...slowLinks.filter((link) => !throughout.includes(link)).map((link) => link.untilMs), ...crashes.map((c) => c.restartAtMs ?? c.atMs)];
      for (const endMs of windowEnds) expect(endMs).toBeLessThanOrEqual(liveAfterMs);
      // The workload goes on past GST, and every request it calls has its deadline inside the run.
      expect(loaded.workloadDurationMs).toBeGreaterThanOrEqual(liveAfterMs + TAIL_WORKLOAD_S * 1000);
      expect(loaded.durationMs).toBeGreaterThanOrEqual(loaded.workloadDurationMs + completeWithinMs);
      // The cap on the doubled timeout is set, and above T.
      const timeoutMs = loaded.parameters.viewChangeTimeoutMs ?? 1000;
      expect(loaded.parameters.maxViewChangeTimeoutMs).toBeGreaterThanOrEqual(2 * timeoutMs);
      if (throughout.length > 0) {
        slowThroughout++;
        // A slow link into every replica, each slower than T, for the whole run.
        expect(throughout.flatMap((link) => link.to).sort()).toEqual(Array.from({ length: loaded.n }, (_, id) => id));
        for (const link of throughout) expect(link.delayMs).toBeGreaterThan(timeoutMs);
      }
    }
    expect(tails).toBeGreaterThan(DRAWS * 0.4);
    expect(tails).toBeLessThan(DRAWS * 0.6);
    expect(slowThroughout).toBeGreaterThan(tails / 10);
  });

  it('-n fixes the size of every schedule', () => {
    for (let index = 0; index < 100; index++) expect(drawSchedule(5, index, { n: 7 })['f']).toBe(2);
  });
});

function liveBound(scenario: Scenario): { liveAfterMs: number; completeWithinMs: number } {
  if (scenario.expect.kind !== 'live') throw new Error(`${scenario.name}: expected a liveness bound`);
  return scenario.expect;
}
