// pancydb hunt's schedule drawer (src/hunt/draw.ts): one hunt seed, the same schedules;
// every schedule a valid scenario file with at most f faulty replicas.
import { describe, expect, it } from 'vitest';
import { drawSchedule, faultyReplicasOf } from '../../src/hunt/draw.ts';
import { isThroughout, TAIL_WORKLOAD_S } from '../../src/hunt/quiet-tail.ts';
import type { Scenario } from '../../src/scenario/scenario.ts';
import { HUNT_ADVERSARIES, hiddenPreparePartition } from '../../src/hunt/adversaries.ts';
import { createRng } from '../../src/sim/rng.ts';
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

  it('split-brain is drawn for every faulty replica at once, one attack; primary(1) colludes only when faulty; the witness or the target group is cut off', () => {
    const attacks = new Set<string>();
    for (let index = 0; index < 3000; index++) {
      const scenario = drawSchedule(12, index);
      const entries = Object.entries(scenario['faulty'] as Record<string, { adversary: string; options: Record<string, unknown> }>);
      const colluders = entries.filter(([, entry]) => entry.adversary === 'split-brain');
      if (colluders.length === 0) continue;
      expect(colluders.length).toBe(entries.length);
      const ids = entries.map(([id]) => Number(id));
      expect(ids).toContain(0);
      const options = colluders[0]![1].options;
      for (const [, entry] of colluders) expect(entry.options).toEqual(options);
      const attack = options['attack'] as string;
      attacks.add(attack);
      if (attack !== 'digest-mismatch') expect(ids).toContain(1);
      const correct = Array.from({ length: 3 * (scenario['f'] as number) + 1 }, (_, id) => id).filter((id) => !ids.includes(id));
      const target = options['target'] as number[];
      const witnesses = options['witnesses'] as number[];
      for (const id of [...target, ...witnesses]) expect(correct).toContain(id);
      expect(target).not.toContain(witnesses[0]);
      const partitions = ((scenario['network'] as Record<string, unknown>)['partitions'] ?? []) as { fromS: number; untilS: number; groups: number[][] }[];
      const cut = (group: number[]) => partitions.some((p) => JSON.stringify(p.groups[0]) === JSON.stringify(group) && p.fromS <= (options['atS'] as number) + 0.35 && p.untilS >= (options['atS'] as number) + 1.95);
      if (attack === 'fake-prepared' || attack === 'wrong-o') expect(cut(witnesses)).toBe(true);
      if (attack === 'prepare-split') expect(cut(target)).toBe(true);
    }
    expect([...attacks].sort()).toEqual(['commit-split', 'digest-mismatch', 'fake-prepared', 'prepare-split', 'wrong-o']);
  });

  it('faulty replicas are the primaries of the first views more often than chance: replica 0 in over a third of one-faulty schedules at n = 4', () => {
    const single = Array.from({ length: 600 }, (_, index) => drawSchedule(13, index, { n: 4 })).map((scenario) => Object.keys(scenario['faulty'] as object)).filter((ids) => ids.length === 1);
    // Uniform would be 1/4; the drawer's bias makes it about 1/2.
    expect(single.filter(([id]) => id === '0').length).toBeGreaterThan(single.length / 3);
  });

  it('a schedule aimed at its optimizations contends on one key, keeps one correct replica fast and the others lagging, and draws the adversary that attacks them more often', () => {
    let aimed = 0;
    let aimedAdversaries = 0;
    let aimedFaulty = 0;
    for (let index = 0; index < 1500; index++) {
      const scenario = drawSchedule(14, index);
      const workload = scenario['workload'] as Record<string, unknown>;
      const optimizations = (scenario['optimizations'] ?? []) as string[];
      if (optimizations.length === 0 || workload['keys'] !== 1 || workload['mix'] === undefined) continue;
      aimed++;
      const faulty = scenario['faulty'] as Record<string, { adversary: string }>;
      const n = 3 * (scenario['f'] as number) + 1;
      const correct = Array.from({ length: n }, (_, id) => id).filter((id) => faulty[String(id)] === undefined);
      const slowLinks = ((scenario['network'] as Record<string, unknown>)['slowLinks'] ?? []) as { fromS: number; to: number[] }[];
      const lagging = slowLinks.find((link) => link.fromS === 0.2 && link.to.every((id) => correct.includes(id)));
      expect(lagging).toBeDefined();
      expect(lagging!.to.length).toBeLessThan(correct.length);
      for (const [id, entry] of Object.entries(faulty)) {
        const aimedAt = (optimizations.includes('read-only') ? ['stale-reads'] : []).concat(id === '0' && optimizations.includes('tentative') ? ['hidden-prepare'] : []);
        if (aimedAt.length === 0 || entry.adversary === 'split-brain') continue;
        aimedFaulty++;
        if (aimedAt.includes(entry.adversary)) aimedAdversaries++;
      }
    }
    expect(aimed).toBeGreaterThan(50);
    // Drawn at 0.7 plus their share of the general list; unaimed, stale-reads is 2 of 18.
    expect(aimedAdversaries).toBeGreaterThan(aimedFaulty / 2);
  });

  it('some schedules cut one correct replica off for most of the workload, so that it must fetch state (§4.3)', () => {
    let isolated = 0;
    for (let index = 0; index < 300; index++) {
      const scenario = drawSchedule(15, index);
      const workloadS = (scenario['workload'] as { durationS: number }).durationS;
      const faulty = Object.keys(scenario['faulty'] as object).map(Number);
      const partitions = ((scenario['network'] as Record<string, unknown>)['partitions'] ?? []) as { fromS: number; untilS: number; groups: number[][] }[];
      // Longer than any other drawn window (2 s at most), and most of the workload.
      const long = partitions.filter((p) => p.groups[0]!.length === 1 && p.groups[1]!.length === 3 * (scenario['f'] as number) && p.untilS - p.fromS > 2.05 && p.untilS - p.fromS >= 0.6 * workloadS - 0.1);
      for (const p of long) if (!faulty.includes(p.groups[0]![0]!)) isolated++;
    }
    // Drawn in a fifth of them, over 2 s long in about half of those; a quiet tail lengthens the workload, so fewer count here.
    expect(isolated).toBeGreaterThan(300 / 30);
  });

  it('a schedule with a state-liar always cuts one correct replica off from all others for most of the workload, so that it asks for state (§4.3)', () => {
    let liars = 0;
    for (let index = 0; index < DRAWS; index++) {
      const scenario = drawSchedule(16, index);
      const faulty = scenario['faulty'] as Record<string, { adversary: string }>;
      if (!Object.values(faulty).some((entry) => entry.adversary === 'state-liar')) continue;
      liars++;
      const n = 3 * (scenario['f'] as number) + 1;
      const partitions = ((scenario['network'] as Record<string, unknown>)['partitions'] ?? []) as { fromS: number; untilS: number; groups: number[][] }[];
      // The shortest workload is 2 s, and the isolation lasts at least 0.6 of it.
      const isolations = partitions.filter((p) => p.groups[0]!.length === 1 && !(p.groups[0]![0]! in faulty) && p.groups[1]!.length === n - 1 && p.untilS - p.fromS >= 1.2 - 0.05);
      expect(isolations, `schedule ${index}`).not.toEqual([]);
    }
    expect(liars).toBeGreaterThan(5);
  });

  it("hidden-prepare's partition keeps its late correct replicas apart, and is left out when no correct replica is late or none is first: hunt seed 2's schedules 941 (n = 7) and 1719 (n = 4) drew a group with nobody in it, which the scenario loader refused, and the hunt reported an exception against a protocol variant", async () => {
    const rng = createRng(5);
    expect(hiddenPreparePartition(rng, { atS: 1.5, late: [3, 6] }, [1, 2, 3, 4, 5])).toMatchObject({ fromS: 1.6, groups: [[3], [1, 2, 4, 5]] });
    expect(hiddenPreparePartition(rng, { atS: 1.5, late: [6] }, [1, 2, 3, 4, 5])).toBeUndefined();
    // And when every correct replica is late (schedule 1719, n = 4): nobody is left to be first.
    expect(hiddenPreparePartition(rng, { atS: 0.7, late: [1, 2, 3] }, [1, 2, 3])).toBeUndefined();
    for (const index of [941, 1719]) {
      const scenario = drawSchedule(2, index);
      expect(Object.values(scenario['faulty'] as Record<string, { adversary: string }>).map((entry) => entry.adversary)).toContain('hidden-prepare');
      await expect(loadScenarioText(JSON.stringify(scenario), `draw-${index}.json`)).resolves.toBeDefined();
    }
  });

  it('-n fixes the size of every schedule', () => {
    for (let index = 0; index < 100; index++) expect(drawSchedule(5, index, { n: 7 })['f']).toBe(2);
  });
});

function liveBound(scenario: Scenario): { liveAfterMs: number; completeWithinMs: number } {
  if (scenario.expect.kind !== 'live') throw new Error(`${scenario.name}: expected a liveness bound`);
  return scenario.expect;
}
