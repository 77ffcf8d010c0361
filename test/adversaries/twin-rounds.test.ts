// twin's per-view partitions (adversaries/twin.ts, option `rounds`): Twins' partition per
// round, where PBFT's round is the view (OSDI'99 §4.1: primary(v) = v mod n). A message is
// judged by its own view (v, or v+1 of VIEW-CHANGE and NEW-VIEW, §4.4); views not listed
// keep the fixed groups.
import { describe, expect, it } from 'vitest';
import twin from '../../adversaries/twin.ts';
import { observeNotes } from '../../src/adversary/adversary.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import { OptionError, readOptions } from '../../src/adversary/options.ts';
import { drawAdversary, type DrawContext } from '../../src/hunt/adversaries.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';
import { createRng } from '../../src/sim/rng.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

/** The OptionError field that reading `options` raises. */
function optionErrorField(options: unknown): string {
  try {
    readOptions(twin.options, options);
  } catch (error) {
    if (error instanceof OptionError) return `${error.field}: ${error.message.slice(error.field.length + 2)}`;
    throw error;
  }
  throw new Error('no error');
}

/** The message of the usage error a scenario with a twin at replica 0 and these options raises on load. */
async function loadError(options: Record<string, unknown>): Promise<string> {
  const scenario = { name: 'twin-rounds', f: 1, faulty: { '0': { adversary: 'twin', options } }, workload: { kind: 'lockseq', clients: 2, durationS: 1 } };
  return loadScenarioText(JSON.stringify(scenario), 'twin-rounds.json').then(
    () => 'loaded',
    (error: Error) => error.message,
  );
}

interface TracedRun {
  readonly run: SeedRun;
  readonly lines: string[];
  readonly notes: string[];
}

/** A 6 s common run (test/support/adversary-run.ts) with replica 0 twinned, its trace and the twin's notes. */
function tracedRun(seed: number, options: Record<string, unknown>): TracedRun {
  const lines: string[] = [];
  const notes: string[] = [];
  const definition = observeNotes(twin, (_, line) => notes.push(line));
  const faulty = new Map<number, FaultySpec>([[0, { definition, options }]]);
  const run = adversaryRun({ seed, durationMs: 6_000, workloadDurationMs: 4_000, faulty, trace: (line) => lines.push(line) });
  return { run, lines, notes };
}

/**
 * Replicas replica 0 sent a message of view `view` to (trace lines "t 0->k TYPE v=view ...",
 * delivered or lost). A COMMIT-CERTIFICATE's v is its PRE-PREPARE's, not a view of its own.
 */
function recipientsInView(lines: readonly string[], view: number): number[] {
  const recipients = new Set<number>();
  for (const line of lines) {
    const match = /^\S+ 0->(\d+) (?!COMMIT-CERTIFICATE)[A-Z-]+ v=(\d+) /.exec(line);
    if (match !== null && Number(match[2]) === view) recipients.add(Number(match[1]));
  }
  return [...recipients].sort((a, b) => a - b);
}

describe('twin rounds: validation', () => {
  it.each([
    ['not a list', { rounds: {} }, /^rounds: must be a list of objects/],
    ['an entry not an object', { rounds: [7] }, /^rounds\.0: must be an object, got 7$/],
    ['a negative view', { rounds: [{ view: -1, groupA: [], groupB: [] }] }, /^rounds\.0\.view: must be at least 0, got -1$/],
    ['a fractional view', { rounds: [{ view: 1, groupA: [], groupB: [] }, { view: 1.5, groupA: [], groupB: [] }] }, /^rounds\.1\.view: must be a whole number, got 1\.5$/],
    ['a view as a string', { rounds: [{ view: '2', groupA: [], groupB: [] }] }, /^rounds\.0\.view: must be a whole number, got "2"$/],
    ['no view', { rounds: [{ groupA: [], groupB: [] }] }, /^rounds\.0\.view: missing$/],
    ['a negative id', { rounds: [{ view: 0, groupA: [1], groupB: [-2] }] }, /^rounds\.0\.groupB: must be a list of whole numbers/],
    ['an unknown field', { rounds: [{ view: 0, groupA: [], groupB: [], groupC: [] }] }, /^rounds\.0\.groupC: unknown field \(known: view, groupA, groupB\)$/],
    ['65 rounds', { rounds: Array.from({ length: 65 }, (_, view) => ({ view, groupA: [], groupB: [] })) }, /^rounds: must have at most 64 entries, got 65$/],
  ])('%s is rejected naming the field', (_, options, message) => {
    expect(optionErrorField(options)).toMatch(message);
  });

  it('64 rounds are accepted; the records read back as given', () => {
    const rounds = Array.from({ length: 64 }, (_, view) => ({ view, groupA: [1], groupB: [2, 3] }));
    expect(readOptions(twin.options, { rounds }).rounds).toEqual(rounds);
  });

  it.each([
    ['an id past n', { rounds: [{ view: 0, groupA: [1], groupB: [4] }] }, /faulty\.0\.adversary: .*rounds\.0\.groupB: 4 is not another replica \(0\.\.3 but 0\)$/],
    ['the twin itself', { rounds: [{ view: 2, groupA: [0], groupB: [] }] }, /faulty\.0\.adversary: .*rounds\.0\.groupA: 0 is not another replica/],
    ['one view twice', { rounds: [{ view: 2, groupA: [], groupB: [] }, { view: 2, groupA: [1], groupB: [] }] }, /faulty\.0\.adversary: .*rounds\.1\.view: view 2 is listed twice$/],
  ])('a scenario with %s in its rounds fails to load, naming the field', async (_, options, message) => {
    expect(await loadError(options)).toMatch(message);
  });

  it('a scenario with good rounds loads', async () => {
    expect(await loadError({ rounds: [{ view: 0, groupA: [1, 2], groupB: [3] }, { view: 1, groupA: [], groupB: [2] }] })).toBe('loaded');
  });
});

describe('twin rounds: behaviour, n=4, replica 0 twinned (fixed groups A: 1,2; B: 3)', () => {
  it('view 0 cuts both twins off and view 1 gives twin A replicas 1 and 2 and twin B none: the primary is replaced, 0 sends nothing of view 0 to anyone and view-1 messages only to 1 and 2 (3 seeds)', () => {
    const rounds = [
      { view: 0, groupA: [], groupB: [] },
      { view: 1, groupA: [1, 2], groupB: [] },
    ];
    for (let seed = 1; seed <= 3; seed++) {
      const { run, lines, notes } = tracedRun(seed, { rounds });
      expect(describeViolations(run), `seed ${seed}`).toEqual([]);
      expect(notes, `seed ${seed}`).toContain('in view 1: twin A talks to [1,2], twin B to []');
      expect(recipientsInView(lines, 0), `seed ${seed}`).toEqual([]);
      expect(recipientsInView(lines, 1), `seed ${seed}`).toEqual([1, 2]);
      // Twin B hears no one for view 1, so it stays behind while twin A follows the cluster.
      expect(notes.some((line) => /^views: twin A in v=[1-9]\d*, twin B in v=0$/.test(line)), `seed ${seed}`).toBe(true);
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(20);
    }
  });

  it('without rounds the same run reaches 1, 2 and 3 in view 0: the groups above are the rounds', () => {
    const { lines } = tracedRun(1, {});
    expect(recipientsInView(lines, 0)).toEqual([1, 2, 3]);
  });

  it('rounds only for views the run never reaches change nothing: the same trace as without rounds, but the note', () => {
    const without = tracedRun(2, { groupA: [1], groupB: [2, 3] });
    const unreached = tracedRun(2, { groupA: [1], groupB: [2, 3], rounds: [{ view: 40, groupA: [], groupB: [] }] });
    const ownNote = (line: string) => !line.includes('in view 40:');
    expect(unreached.lines.filter(ownNote)).toEqual(without.lines);
    expect(unreached.lines.length).toBe(without.lines.length + 1);
    expect(recipientsInView(without.lines, 0)).toEqual([1, 2, 3]);
  });
});

describe('twin rounds: the hunt drawer', () => {
  const context = (seed: number, n: 4 | 7): DrawContext => {
    const id = seed % n;
    const others = Array.from({ length: n }, (_, replica) => replica).filter((replica) => replica !== id);
    return { rng: createRng(`twin-rounds-test/${seed}`), id, n, others, workloadS: 3, clients: 3, readOnly: false };
  };
  /** Twin draws of seeds 1..400 at n = 4 and 7 (other adversaries are drawn too and left out). */
  const twinDraws = (): { n: number; id: number; options: Record<string, unknown> }[] =>
    [4, 7].flatMap((n) =>
      Array.from({ length: 400 }, (_, seed) => ({ n, id: (seed + 1) % n, drawn: drawAdversary(context(seed + 1, n as 4 | 7)) }))
        .filter(({ drawn }) => drawn.adversary === 'twin')
        .map(({ n: size, id, drawn }) => ({ n: size, id, options: drawn.options })),
    );

  it('is deterministic: the same context seed gives the same options, byte for byte', () => {
    expect(JSON.stringify(twinDraws())).toBe(JSON.stringify(twinDraws()));
  });

  it('draws a few rounds over views 0..6, each view once and in order, of ids the option accepts; most twins get rounds, with different splits from view to view', async () => {
    const draws = twinDraws();
    expect(draws.length).toBeGreaterThan(50);
    let withRounds = 0;
    let changingSplits = 0;
    for (const { n, id, options } of draws) {
      readOptions(twin.options, options);
      const rounds = options['rounds'] as { view: number; groupA: number[]; groupB: number[] }[] | undefined;
      if (rounds === undefined) continue;
      withRounds++;
      const views = rounds.map((round) => round.view);
      expect(views).toEqual([...new Set(views)].sort((a, b) => a - b));
      expect(views.length).toBeGreaterThanOrEqual(2);
      expect(views.every((view) => view >= 0 && view <= 6)).toBe(true);
      for (const round of rounds) expect([...round.groupA, ...round.groupB].every((replica) => replica !== id && replica < n)).toBe(true);
      if (new Set(rounds.map((round) => JSON.stringify([round.groupA, round.groupB]))).size > 1) changingSplits++;
    }
    expect(withRounds).toBeGreaterThan(draws.length / 2);
    expect(changingSplits).toBeGreaterThan(withRounds / 2);
    // And a drawn twin loads as a scenario file would (create() checks the ids against n).
    const { n, id, options } = draws.find((draw) => draw.options['rounds'] !== undefined && draw.n === 7)!;
    const scenario = { name: 'drawn', f: (n - 1) / 3, faulty: { [String(id)]: { adversary: 'twin', options } }, workload: { kind: 'lockseq', clients: 2, durationS: 1 } };
    await expect(loadScenarioText(JSON.stringify(scenario), 'drawn.json')).resolves.toBeDefined();
  });
});
