// pancydb hunt's schedule drawer (src/hunt/draw.ts): one hunt seed, the same schedules;
// every schedule a valid scenario file with at most f faulty replicas.
import { describe, expect, it } from 'vitest';
import { drawSchedule, faultyReplicasOf } from '../../src/hunt/draw.ts';
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
      expect(loaded.expect.kind).toBe('safe');
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
      // Short runs, so that many schedules run a minute.
      expect(loaded.durationMs).toBeLessThanOrEqual(8000);
    }
    // The mix is real: every adversary, both sizes, and each kind of fault appear.
    expect([...adversaries].sort()).toEqual([...HUNT_ADVERSARIES].sort());
    expect([...sizes].sort()).toEqual([4, 7]);
    expect(withCrashes).toBeGreaterThan(DRAWS / 10);
    expect(withPartitions).toBeGreaterThan(DRAWS / 4);
    expect(withByzantineClients).toBeGreaterThan(DRAWS / 10);
  });

  it('-n fixes the size of every schedule', () => {
    for (let index = 0; index < 100; index++) expect(drawSchedule(5, index, { n: 7 })['f']).toBe(2);
  });
});
