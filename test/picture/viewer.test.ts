// The interactive page (pancydb sim --html) in a real browser: Debian's headless chromium
// opens the file as a user would. Every count the page reports is checked against the
// record's own numbers, counted here; filters must change what is drawn by exactly the
// messages they select; clicking an arrow must show that message. Screenshots land in
// test-results/picture-*.png for a person to look at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { renderHtml } from '../../src/picture/html.ts';
import type { MessageRecord, RunRecord } from '../../src/picture/record.ts';
import { launchBrowser, stats, type Browser, type OpenPage, type PageGlobals } from './browser.ts';
import { violationRun } from './hand-made-runs.ts';
import { recordedRun } from './sim-runs.ts';
import { syntheticRun } from './synthetic-run.ts';

const SHOTS = 'test-results';
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function count(record: RunRecord, keep: (message: MessageRecord) => boolean): number {
  return record.messages.filter(keep).length;
}

async function shot(open: OpenPage, name: string): Promise<void> {
  await open.page.screenshot({ path: `${SHOTS}/picture-${name}.png` });
}

/** Clicks on message `recordIndex`'s arrow, at a point of it no other arrow is nearer to. */
async function clickMessage(open: OpenPage, recordIndex: number): Promise<void> {
  for (const along of [0.5, 0.35, 0.65, 0.2, 0.8]) {
    const point = await open.page.evaluate(([i, a]) => (globalThis as unknown as PageGlobals).__picture.messagePoint(i!, a), [recordIndex, along]);
    if (point === null) throw new Error(`message ${recordIndex} is not drawn as an arrow`);
    const hit = await open.page.evaluate(([x, y]) => (globalThis as unknown as PageGlobals).__picture.hitAt(x!, y!), [point.x, point.y]);
    if (hit?.kind === 'message' && hit.index === recordIndex) {
      await open.page.mouse.click(point.x, point.y);
      return;
    }
  }
  throw new Error(`no point of message ${recordIndex}'s arrow is its own`);
}

async function field(open: OpenPage, name: string): Promise<string> {
  return (await open.page.locator(`#selection [data-field="${name}"]`).textContent()) ?? '';
}

describe('picture viewer in chromium', () => {
  it('a fault-free simulated run: a lane per replica and client, every message an arrow, the type filter takes away exactly its messages', async () => {
    const { record } = recordedRun('fault-free');
    const open = await browser.open(renderHtml(record));
    const total = record.messages.length;
    expect(total).toBeGreaterThan(100);
    let s = await stats(open.page);
    expect(s.lanes).toBe(record.lanes.length);
    expect(s.lanes).toBe(8);
    expect(s.mode).toBe('arrows');
    expect(s.arrows).toBe(total);
    expect(s.operations).toBe(record.operations.length);
    expect(s.events).toBe(record.events.length);
    await shot(open, 'normal');

    const prepares = count(record, (m) => m.type === 'prepare');
    expect(prepares).toBeGreaterThan(0);
    await open.page.click('[data-type="prepare"]');
    s = await stats(open.page);
    expect(s.arrows).toBe(total - prepares);

    await open.page.dblclick('[data-type="commit"]');
    s = await stats(open.page);
    expect(s.arrows).toBe(count(record, (m) => m.type === 'commit'));

    await open.page.dblclick('[data-type="commit"]'); // every type again
    await open.page.fill('#filter-seq-min', '2');
    await open.page.fill('#filter-seq-max', '3');
    s = await stats(open.page);
    const inRange = count(record, (m) => m.seq !== undefined && m.seq >= 2 && m.seq <= 3);
    expect(inRange).toBeGreaterThan(0);
    expect(s.arrows).toBe(inRange);
    expect(open.errors).toEqual([]);
  });

  it('a view change (the demo: a silent primary is replaced): view bands, the view filter, a hidden lane', async () => {
    const { record } = recordedRun('view-change');
    expect(record.views.map((band) => band.view)).toEqual([0, 1]);
    const open = await browser.open(renderHtml(record));
    let s = await stats(open.page);
    expect(s.lanes).toBe(record.lanes.length);
    expect(s.arrows + s.aggregated).toBe(record.messages.length);

    await open.page.selectOption('#filter-view', '1');
    s = await stats(open.page);
    const inViewOne = count(record, (m) => m.view === 1);
    expect(inViewOne).toBeGreaterThan(0);
    expect(s.arrows).toBe(inViewOne);

    await open.page.click('details.lanes summary');
    await open.page.click('input[data-lane="r0"]');
    s = await stats(open.page);
    expect(s.lanes).toBe(record.lanes.length - 1);
    expect(s.arrows).toBe(count(record, (m) => m.view === 1 && m.from !== 'r0' && m.to !== 'r0'));
    await open.page.click('input[data-lane="r0"]');
    await open.page.click('details.lanes summary');
    await open.page.selectOption('#filter-view', '');

    await open.page.selectOption('#filter-show', 'problems');
    s = await stats(open.page);
    const troubled = count(record, (m) => m.lost !== undefined || m.dropped !== undefined);
    expect(troubled).toBeGreaterThan(0);
    expect(s.arrows).toBe(troubled);
    await open.page.selectOption('#filter-show', 'all');

    // A click on a lane's name: only what that lane sent or received.
    const name = (await open.page.evaluate(() => (globalThis as unknown as PageGlobals).__picture.lanePoint('r2')))!;
    await open.page.mouse.click(name.x, name.y);
    s = await stats(open.page);
    expect(s.arrows + s.aggregated).toBe(count(record, (m) => m.from === 'r2' || m.to === 'r2'));
    await open.page.mouse.click(name.x, name.y);
    s = await stats(open.page);
    expect(s.arrows + s.aggregated).toBe(record.messages.length);

    // Around the moment the first replica entered view 1.
    const entered = Math.min(...Object.values(record.views[1]!.entered));
    s = await open.page.evaluate(([a, b]) => (globalThis as unknown as PageGlobals).__picture.setWindow(a!, b!), [entered - 60, entered + 40]);
    expect(s.mode).toBe('arrows');
    await shot(open, 'view-change');
    expect(open.errors).toEqual([]);
  });

  it('an equivocating primary (by hand): evidence flags, and a click on an arrow shows its text, signer and digest', async () => {
    const base = violationRun();
    // A hostile string in a message's text and in the title must stay text.
    const hostile = '</script><img src=x onerror="globalThis.__pwned=1">';
    const record: RunRecord = { ...base, title: `${base.title} ${hostile}`, messages: base.messages.map((m, i) => (i === 0 ? { ...m, text: `${m.text} ${hostile}` } : m)) };
    const open = await browser.open(renderHtml(record));
    const s = await stats(open.page);
    expect(s.arrows).toBe(record.messages.length);
    expect(s.evidenceFlags).toBe(record.evidence.length);
    expect(await open.page.locator('[data-verdict="violation"]').count()).toBe(1);
    expect(await open.page.locator('#verdict li a').count()).toBe(1 + record.operations.filter((o) => o.offending).length);
    expect(await open.page.locator('#evidence li').count()).toBe(2);

    const equivocation = record.messages.findIndex((m) => m.type === 'pre-prepare' && m.to === 'r1' && m.faulty === true);
    await clickMessage(open, equivocation);
    expect(await open.page.locator('#selection [data-selected="message"]').getAttribute('data-record-index')).toBe(String(equivocation));
    expect(await field(open, 'text')).toBe(record.messages[equivocation]!.text);
    expect(await field(open, 'signer')).toBe('replica 0 (faulty)');
    expect(await field(open, 'digest')).toBe('d1d1d1');
    await shot(open, 'equivocation');

    await clickMessage(open, 0);
    expect(await field(open, 'text')).toBe(record.messages[0]!.text);
    expect(await open.page.title()).toBe(record.title);
    expect(await open.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    await open.page.click('#verdict li a >> text=c0 get x');
    expect(await open.page.locator('#selection [data-selected="operation"]').count()).toBe(1);
    expect(await field(open, 'operation')).toBe('get x');
    expect(open.errors).toEqual([]);
  });

  it('a simulated linearizability violation: the verdict, and the operations the checker names, in red, one click away', async () => {
    const { record } = recordedRun('violation');
    expect(record.verdict.ok).toBe(false);
    const offending = record.operations.filter((o) => o.offending);
    expect(offending.length).toBeGreaterThan(0);
    const open = await browser.open(renderHtml(record));
    const s = await stats(open.page);
    expect(s.arrows + s.aggregated).toBe(record.messages.length);
    expect(s.operations).toBe(record.operations.length);
    expect(await open.page.locator('header .pill.bad').count()).toBe(1);
    expect(await open.page.locator('[data-verdict="violation"] li b').first().textContent()).toBe(record.verdict.violations[0]!.property);
    const links = open.page.locator('#verdict li a', { hasText: /^c\d/ });
    expect(await links.count()).toBe(offending.length);
    const first = offending[0]!;
    await links.first().click();
    expect(await field(open, 'operation')).toBe(first.operation);
    expect(await field(open, 'result')).toBe(first.result ?? 'never returned');
    expect(await open.page.locator('#selection .bad').textContent()).toContain('Named by the checker');
    const shown = await open.page.evaluate(() => (globalThis as unknown as PageGlobals).__picture.window());
    expect(shown.startMs).toBeLessThan(first.callMs);
    expect(shown.endMs).toBeGreaterThan(first.returnMs ?? first.callMs);
    await shot(open, 'violation');
    expect(open.errors).toEqual([]);
  });

  it('a run with nothing in it (no message, event or operation) still opens, saying so', async () => {
    const empty: RunRecord = { ...violationRun(), messages: [], events: [], operations: [], views: [], evidence: [], endMs: 0 };
    const open = await browser.open(renderHtml(empty));
    const s = await stats(open.page);
    expect(s.lanes).toBe(empty.lanes.length);
    expect(s.arrows).toBe(0);
    expect(await open.page.locator('#status').textContent()).toBe('0 messages in view');
    expect(open.errors).toEqual([]);
  });

  it('zoomed out, the commonest types are counted per lane instead of drawn; zoomed in, each message in the window is an arrow', async () => {
    const record = syntheticRun({ clients: 8, durationMs: 10_000, messages: 40_000 });
    const open = await browser.open(renderHtml(record));
    let s = await stats(open.page);
    expect(s.lanes).toBe(12);
    expect(s.mode).toBe('density');
    expect(s.messages).toBe(record.messages.length);
    expect(s.arrows + s.aggregated).toBe(record.messages.length);
    // The view change's few messages stay arrows at any zoom.
    expect(s.arrows).toBeGreaterThanOrEqual(count(record, (m) => m.type === 'view-change' || m.type === 'new-view'));
    await shot(open, 'zoomed-out');

    const [startMs, endMs] = [3000, 3060];
    s = await open.page.evaluate(([a, b]) => (globalThis as unknown as PageGlobals).__picture.setWindow(a!, b!), [startMs, endMs]);
    const inWindow = count(record, (m) => {
      const end = m.receivedMs ?? m.sentMs + s.lostStubMs;
      return Math.max(m.sentMs, end) >= startMs && Math.min(m.sentMs, end) <= endMs;
    });
    expect(s.mode).toBe('arrows');
    expect(inWindow).toBeGreaterThan(50);
    expect(s.arrows).toBe(inWindow);

    // The wheel zooms around the pointer; a drag pans by what it moved.
    const box = (await open.page.locator('#plot').boundingBox())!;
    await open.page.mouse.move(box.x + box.width / 2, box.y + 200);
    await open.page.mouse.wheel(0, 300);
    const wider = await open.page.evaluate(() => (globalThis as unknown as PageGlobals).__picture.window());
    expect(wider.endMs - wider.startMs).toBeGreaterThan(endMs - startMs);
    await open.page.mouse.down();
    await open.page.mouse.move(box.x + box.width / 2 - 200, box.y + 200, { steps: 4 });
    await open.page.mouse.up();
    const panned = await open.page.evaluate(() => (globalThis as unknown as PageGlobals).__picture.window());
    expect(panned.startMs).toBeGreaterThan(wider.startMs);
    expect(panned.endMs - panned.startMs).toBeCloseTo(wider.endMs - wider.startMs, 6);
    expect(open.errors).toEqual([]);
  });
});
