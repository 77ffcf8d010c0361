// The static figure (src/picture/svg.ts): well-formed SVG whatever the record holds, one
// arrow for every message in its window (alike ones drawn once and counted), bounded
// output for an unbounded record, and the same bytes for the same seed, namely those of
// docs/figures/view-change.svg, which `npm run figure` writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_FIGURE_TITLE } from '../../src/cli/picture-output.ts';
import { RUN_RECORD_FORMAT, type MessageRecord, type RunRecord } from '../../src/picture/record.ts';
import { recordSeed } from '../../src/picture/sim-recorder.ts';
import { renderSvg } from '../../src/picture/svg.ts';
import { viewChangeFigure } from '../../src/picture/svg-view-change.ts';
import { inWindow, MAX_ARROW_GROUPS, viewChangeWindow } from '../../src/picture/svg-window.ts';
import { pictureRunOptions, recordedRun } from './sim-runs.ts';
import { xmlProblems } from './xml-check.ts';

/** The `<g class="message" …>` elements: their type and how many messages each stands for. */
function arrows(svg: string): { type: string; count: number; lost: boolean }[] {
  return [...svg.matchAll(/<g class="message" data-type="([a-z-]+)" data-count="(\d+)">(.*?)<\/g>/g)].map((match) => ({
    type: match[1]!,
    count: Number(match[2]),
    lost: match[3]!.includes('stroke-dasharray'),
  }));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

describe("the demo's view change as a figure", () => {
  const { record } = recordedRun('view-change');
  const svg = viewChangeFigure(record, DEMO_FIGURE_TITLE);

  it('is well-formed XML with one svg root', () => {
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('chooses a window from before the first VIEW-CHANGE to after every replica entered view 1', () => {
    const window = viewChangeWindow(record)!;
    const first = record.events.find((event) => event.kind === 'start-view-change')!;
    const lastEntered = Math.max(...Object.values(record.views[1]!.entered));
    expect(window.fromMs).toBeLessThan(first.atMs);
    expect(window.toMs).toBeGreaterThan(lastEntered);
    expect(window.toMs - window.fromMs).toBeLessThan(500);
  });

  it('draws every message between replicas in the window but STATUS, each once, and counts the rest', () => {
    const window = viewChangeWindow(record)!;
    const replicas = (message: MessageRecord) => message.from.startsWith('r') && message.to.startsWith('r');
    const expected = record.messages.filter((message) => inWindow(message, window) && replicas(message) && message.type !== 'status');
    const drawn = arrows(svg);
    expect(sum(drawn.map((arrow) => arrow.count))).toBe(expected.length);
    expect(sum(drawn.filter((arrow) => arrow.lost).map((arrow) => arrow.count))).toBe(expected.filter((message) => message.receivedMs === undefined).length);
    for (const type of ['view-change', 'new-view', 'prepare', 'commit']) expect(drawn.some((arrow) => arrow.type === type), type).toBe(true);
    const notDrawn = record.messages.filter((message) => inWindow(message, window)).length - expected.length;
    const noted = /Not drawn in this window: ([^(]*)\(/.exec(svg)![1]!;
    expect(sum([...noted.matchAll(/(\d+) /g)].map((match) => Number(match[1])))).toBe(notDrawn);
  });

  it('labels the lanes, the views and the view change', () => {
    expect(svg).toContain('view 1 · primary r1');
    expect(svg).toContain('primary of v0 · silent from 3 s');
    expect(svg).toContain('VIEW-CHANGE to v1 (timer expired)');
    expect(svg).toContain('enters v1');
    expect(svg).toMatch(/At \d+ ms the view-change timers of r1, r2, r3 expire/);
  });

  it('is the same bytes on every run, and docs/figures/view-change.svg is up to date (npm run figure)', () => {
    const again = recordSeed(pictureRunOptions('view-change'), { replay: 'npx pancydb demo -S 1' }).record;
    expect(viewChangeFigure(again, DEMO_FIGURE_TITLE)).toBe(svg);
    expect(readFileSync('docs/figures/view-change.svg', 'utf8'), 'run `npm run figure` and commit docs/figures/view-change.svg').toBe(svg);
  });
});

describe('the well-formedness check itself', () => {
  it.each([
    ['<svg><g></svg>', '</svg>'],
    ['<svg a="1" a="2"/>', 'twice'],
    ['<svg>a & b</svg>', "stray '&'"],
    ['<svg x="<"/>', "raw '<'"],
    ['<svg/><svg/>', '2 root elements'],
    ['<svg>\u0001</svg>', 'forbids'],
    ['<svg><g>', 'unclosed'],
  ])('%s is not well-formed', (document, problem) => {
    expect(xmlProblems(document).join('; ')).toContain(problem);
  });

  it('a small well-formed document passes', () => {
    expect(xmlProblems('<svg xmlns="x"><g class="a"><text>&lt;&amp;&#38;</text><line x1="1"/></g><!-- c --></svg>\n')).toEqual([]);
  });
});

describe('any record, any window', () => {
  it('a run without a view change: the whole run, well-formed, every message between replicas drawn', () => {
    const { record } = recordedRun('fault-free');
    expect(viewChangeWindow(record)).toBeUndefined();
    const svg = viewChangeFigure(record);
    expect(xmlProblems(svg)).toEqual([]);
    const between = record.messages.filter((message) => message.from.startsWith('r') && message.to.startsWith('r') && message.type !== 'status');
    expect(sum(arrows(svg).map((arrow) => arrow.count))).toBe(between.length);
  });

  it('a lane subset and a window: only messages between those lanes inside it', () => {
    const { record } = recordedRun('fault-free');
    const svg = renderSvg(record, { fromMs: 1_000, toMs: 1_050, lanes: ['r0', 'c1'] });
    expect(xmlProblems(svg)).toEqual([]);
    const expected = record.messages.filter((message) => inWindow(message, { fromMs: 1_000, toMs: 1_050 }) && [message.from, message.to].every((lane) => lane === 'r0' || lane === 'c1'));
    expect(expected.length).toBeGreaterThan(0);
    expect(sum(arrows(svg).map((arrow) => arrow.count))).toBe(expected.length);
  });

  it("a record's strings are escaped: markup in a title, a message's text or an adversary's words stays text", () => {
    const hostile = '<script>alert(1)</script> & "quotes" \u0001 ]]>';
    const record = syntheticRecord(3, { title: hostile, text: hostile });
    const svg = renderSvg({ ...record, lanes: record.lanes.map((lane, index) => (index === 0 ? { ...lane, faulty: { adversary: hostile } } : lane)) });
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;');
  });

  it('a record with more arrows than a figure holds draws the first MAX_ARROW_GROUPS and says how many it left out', () => {
    const record = syntheticRecord(MAX_ARROW_GROUPS + 500);
    const svg = renderSvg(record);
    expect(xmlProblems(svg)).toEqual([]);
    expect(arrows(svg).length).toBe(MAX_ARROW_GROUPS);
    expect(svg).toContain('500 more groups of arrows in this window are beyond what one figure draws');
  });

  it('an empty, backward or endless window is refused', () => {
    const record = syntheticRecord(2);
    expect(() => renderSvg(record, { fromMs: 5, toMs: 5 })).toThrow(/window/);
    expect(() => renderSvg(record, { fromMs: 9, toMs: 1 })).toThrow(/window/);
    expect(() => renderSvg(record, { fromMs: 0, toMs: Infinity })).toThrow(/window/);
    expect(() => renderSvg(record, { fromMs: Number.NaN, toMs: 1 })).toThrow(/window/);
  });

  it('a window far from 0 and a millisecond wide still ends, with a bounded axis', () => {
    const svg = renderSvg(syntheticRecord(2), { fromMs: 2 ** 52, toMs: 2 ** 52 + 1 });
    expect(xmlProblems(svg)).toEqual([]);
    expect((svg.match(/<line x1="[\d.]+" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#1f2937"\/><text/g) ?? []).length).toBeLessThanOrEqual(51);
  });

  it('a record from logs with unknown types and kinds, or times that are not numbers: those are counted or left out, never drawn as "undefined"', () => {
    const base = syntheticRecord(3);
    const record = {
      ...base,
      messages: [...base.messages, { ...base.messages[0]!, type: 'x"><script>' as never }, { ...base.messages[1]!, sentMs: Number.NaN }, { ...base.messages[2]!, receivedMs: Number.NaN }],
      events: [...base.events, { lane: 'r0', atMs: 1, kind: 'bogus' as never, text: 'x' }, { lane: 'r1', atMs: Number.NaN, kind: 'crash', text: 'y' }],
      views: [...base.views, { view: 1, primary: 1, entered: { 0: Number.NaN } }],
    } as RunRecord;
    const svg = renderSvg(record);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).not.toMatch(/undefined|NaN|<script/);
    expect(svg).toContain('1 of types the picture does not know');
  });
});

/** Two replicas; message i leaves r0 at i ms and reaches r1 at i + 1 ms: no two alike. */
function syntheticRecord(messages: number, strings: { title?: string; text?: string } = {}): RunRecord {
  return {
    format: RUN_RECORD_FORMAT,
    source: { kind: 'simulator', seed: 1, replay: 'synthetic' },
    title: strings.title ?? 'synthetic',
    n: 4,
    f: 1,
    auth: 'signed',
    endMs: messages + 2,
    lanes: [
      { id: 'r0', kind: 'replica', index: 0 },
      { id: 'r1', kind: 'replica', index: 1 },
    ],
    messages: Array.from({ length: messages }, (_, index): MessageRecord => ({ from: 'r0', to: 'r1', type: 'prepare', sentMs: index, receivedMs: index + 1, view: 0, seq: index, signer: 'r0', text: strings.text ?? `PREPARE n=${index}` })),
    events: [{ lane: 'r0', atMs: 1, kind: 'adversary', text: strings.text ?? 'did something' }],
    views: [{ view: 0, primary: 0, entered: { 0: 0, 1: 0 } }],
    operations: [],
    verdict: { ok: true, violations: [] },
    evidence: [],
  };
}
