// Loss that ends (network.lossUntilS): the fault window a hunt schedule's quiet tail needs,
// since with random loss after GST no delay is bounded, only likely (src/hunt/quiet-tail.ts).
import { describe, expect, it } from 'vitest';
import { drawSchedule } from '../../src/hunt/draw.ts';
import { faultsEndS, withQuietTail } from '../../src/hunt/quiet-tail.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';
import { DEFAULT_NETWORK, Network, type Fate } from '../../src/sim/network.ts';
import { createRng } from '../../src/sim/rng.ts';

type Json = Record<string, unknown>;

const replica = (id: number) => ({ kind: 'replica', id }) as const;

/** The fates of `count` sends from 0 to 1, one every ms from `startMs`. */
function fates(network: Network, startMs: number, count: number): Fate[] {
  return Array.from({ length: count }, (_, index) => network.transmit(replica(0), replica(1), startMs + index));
}

describe('network: loss until a time', () => {
  it('loses messages sent before lossUntilMs and none after', () => {
    const network = new Network({ ...DEFAULT_NETWORK, loss: 0.5, lossUntilMs: 1000 }, createRng(3));
    const before = fates(network, 0, 400).filter((fate) => 'lost' in fate).length;
    const after = fates(network, 1000, 400).filter((fate) => 'lost' in fate).length;
    expect(before).toBeGreaterThan(120);
    expect(after).toBe(0);
  });

  it('before the end, the same fates as loss that lasts the whole run (no extra draw)', () => {
    const ending = new Network({ ...DEFAULT_NETWORK, loss: 0.3, jitterMs: 4, lossUntilMs: 10_000 }, createRng(8));
    const lasting = new Network({ ...DEFAULT_NETWORK, loss: 0.3, jitterMs: 4 }, createRng(8));
    expect(fates(ending, 0, 300)).toEqual(fates(lasting, 0, 300));
  });
});

describe('scenario file: network.lossUntilS', () => {
  const minimal = { name: 'lossy', f: 1, workload: { kind: 'lockseq', clients: 2, durationS: 3 } };

  it('is read in ms, and left out of the options when absent', async () => {
    const ending = await loadScenarioText(JSON.stringify({ ...minimal, network: { loss: 0.1, lossUntilS: 2.5 } }), 'ending.json');
    expect(ending.network).toMatchObject({ loss: 0.1, lossUntilMs: 2500 });
    const lasting = await loadScenarioText(JSON.stringify({ ...minimal, network: { loss: 0.1 } }), 'lasting.json');
    expect(lasting.network).not.toHaveProperty('lossUntilMs');
  });

  it('a negative end is refused, naming the field', async () => {
    await expect(loadScenarioText(JSON.stringify({ ...minimal, network: { loss: 0.1, lossUntilS: -1 } }), 'bad.json')).rejects.toThrow(/network\.lossUntilS/);
  });
});

describe('quiet tail: a lossy schedule is lossless after GST', () => {
  const tails = [1, 2].flatMap((seed) => Array.from({ length: 120 }, (_, index) => drawSchedule(seed, index))).filter((scenario) => scenario['expect'] !== undefined);
  const network = (scenario: Json) => (scenario['network'] ?? {}) as Json;
  const lossy = tails.filter((scenario) => ((network(scenario)['loss'] as number | undefined) ?? 0) > 0);

  it('some tails are lossy, and each ends its loss no earlier than its other faults, which is where liveness is checked from', () => {
    expect(lossy.length).toBeGreaterThan(10);
    for (const scenario of lossy) {
      const endS = network(scenario)['lossUntilS'] as number;
      const expected = scenario['expect'] as Json;
      expect(endS).toBeGreaterThan(0);
      expect(expected['liveAfterS']).toBe(endS);
      expect(faultsEndS({ ...scenario, network: { ...network(scenario), lossUntilS: 0 } })).toBeLessThanOrEqual(endS);
    }
  });

  it('tails without loss carry no lossUntilS', () => {
    for (const scenario of tails.filter((tail) => !lossy.includes(tail))) expect(network(scenario)).not.toHaveProperty('lossUntilS');
  });

  it('deriving the tail again (as the shrinker does) changes nothing, and dropping the loss drops its end', () => {
    for (const scenario of tails) expect(withQuietTail(scenario)).toEqual(scenario);
    for (const scenario of lossy) expect(network(withQuietTail({ ...scenario, network: { ...network(scenario), loss: 0 } }))).not.toHaveProperty('lossUntilS');
  });
});
