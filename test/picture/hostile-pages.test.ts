// The page against hostile records: every string a log or an adversary chooses stays text
// (no script runs), and one faulty replica claiming a new view every few microseconds
// neither moves the cluster's view strip nor buys a page that cannot open.
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/picture/html.ts';
import type { LaneEvent, RunRecord, ViewBand } from '../../src/picture/record.ts';
import { viewerScript } from '../../src/picture/viewer/bundle.ts';
import { encodeRun } from '../../src/picture/viewer/encode.ts';
import { launchBrowser, stats, type Browser } from './browser.ts';
import { lanes, normalRun, violationRun } from './hand-made-runs.ts';

/** What the tests reach for in the page (they are type-checked without the DOM's types). */
interface PageDom {
  readonly devicePixelRatio: number;
  readonly document: {
    getElementById(id: string): {
      scrollTop: number;
      readonly scrollHeight: number;
      readonly clientHeight: number;
      readonly height: number;
      getBoundingClientRect(): { left: number; top: number };
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
    };
  };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** One faulty replica (r3) entering `views` made-up views, one every 0.5 µs from 1 ms on. */
function viewFlood(views: number): RunRecord {
  const base = normalRun();
  const events: LaneEvent[] = [];
  const bands: ViewBand[] = [...base.views];
  for (let v = 1; v <= views; v++) {
    const atMs = 1 + v * 0.0005;
    events.push({ lane: 'r3', atMs, kind: 'enter-view', view: v, text: `ENTER-VIEW v=${v}` });
    bands.push({ view: v, primary: v % 4, entered: { 3: atMs } });
  }
  return { ...base, events: [...base.events, ...events].sort((a, b) => a.atMs - b.atMs), views: bands };
}

interface Strip {
  view: number;
  startMs: number;
  endMs: number;
}

async function strip(record: RunRecord): Promise<Strip[]> {
  const data = (await import(pathToFileURL(`${process.cwd()}/src/picture/viewer/data.js`).href)) as { decodeRun(buffer: ArrayBuffer): unknown };
  const spans = (await import(pathToFileURL(`${process.cwd()}/src/picture/viewer/lane-spans.js`).href)) as { viewStrip(run: unknown): Strip[] };
  const bytes = encodeRun(record);
  return spans.viewStrip(data.decodeRun(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer));
}

describe('picture page: hostile records', () => {
  it('the view strip starts a view when f+1 replicas are in it: one faulty replica alone does not move the cluster', async () => {
    const base = normalRun();
    const views: ViewBand[] = [...base.views, { view: 7, primary: 3, entered: { 3: 5 } }, { view: 1, primary: 1, entered: { 1: 20, 2: 22, 3: 25 } }];
    expect((await strip({ ...base, views })).map(({ view, startMs }) => ({ view, startMs }))).toEqual([
      { view: 0, startMs: 0 },
      // The second replica in (f = 1), not the first.
      { view: 1, startMs: 22 },
    ]);
  });

  it('a faulty replica entering 100,000 made-up views: the page opens, draws a glyph per pixel column, lists a bounded number of views', async () => {
    const record = viewFlood(100_000);
    const open = await browser.open(renderHtml(record));
    const s = await stats(open.page);
    expect(s.lanes).toBe(record.lanes.length);
    // The flood's glyphs stand on r3's lane, at most one per pixel column; the run's own 32 events stay.
    expect(s.events).toBeGreaterThan(32);
    expect(s.events).toBeLessThan(32 + 2000);
    expect(await open.page.locator('#filter-view option').count()).toBeLessThanOrEqual(1 + 1000 + 1);
    expect(await open.page.locator('#filter-view option[disabled]').textContent()).toBe('… and 99,001 more views');
    expect(open.errors).toEqual([]);
  });

  it('100,000 calls that never returned: a redraw paints a bar per pixel position, not one each', async () => {
    const base = normalRun();
    const calls = Array.from({ length: 100_000 }, (_, k) => ({ client: 1, callMs: 1 + k * 0.0005, operation: `put k${k}="v"` }));
    const record: RunRecord = { ...base, operations: [...base.operations, ...calls] };
    const open = await browser.open(renderHtml(record));
    const painted = await open.page.evaluate(() => {
      const g = globalThis as unknown as { CanvasRenderingContext2D: { prototype: { fillRect(...args: number[]): void } }; __picture: { window(): { startMs: number; endMs: number }; setWindow(a: number, b: number): { operations: number } } };
      const proto = g.CanvasRenderingContext2D.prototype;
      const fillRect = proto.fillRect;
      let calls = 0;
      proto.fillRect = function (...args: number[]) {
        calls++;
        fillRect.apply(this, args);
      };
      const win = g.__picture.window();
      const drawn = g.__picture.setWindow(win.startMs, win.endMs).operations;
      proto.fillRect = fillRect;
      return { calls, drawn };
    });
    // Every bar in view is counted as drawn; few are painted (the plot is ~1,400 pixels wide, 4 rows a client).
    expect(painted.drawn).toBe(record.operations.length);
    expect(painted.calls).toBeLessThan(20_000);
    expect(open.errors).toEqual([]);
  });

  it('20,000 client lanes zoomed out to density: the counts are kept for the cells that have messages, not for every lane and column', async () => {
    // Every Float32Array the page makes, by length: the density table was lanes x columns x types.
    await browser.context.addInitScript(() => {
      const g = globalThis as unknown as { Float32Array: Float32ArrayConstructor; __largestFloat32?: number };
      g.__largestFloat32 = 0;
      g.Float32Array = new Proxy(g.Float32Array, {
        construct(target, args: unknown[]) {
          const made = Reflect.construct(target, args) as Float32Array;
          g.__largestFloat32 = Math.max(g.__largestFloat32 ?? 0, made.length);
          return made;
        },
      });
    });
    const base = normalRun();
    const clients = 20_000;
    const requests = Array.from({ length: clients }, (_, c) => ({ from: `c${c}` as const, to: 'r0' as const, type: 'request' as const, sentMs: (c % 600) * 0.1, receivedMs: (c % 600) * 0.1 + 1, signer: `c${c}` as const, text: 'REQUEST' }));
    const record: RunRecord = { ...base, lanes: lanes(4, clients), messages: [...base.messages, ...requests] };
    const open = await browser.open(renderHtml(record));
    const s = await stats(open.page);
    expect(s.mode).toBe('density');
    expect(s.aggregated).toBeGreaterThanOrEqual(clients);
    // Before: 20,004 lanes x ~700 columns x 17 types, 238 million floats (950 MB).
    expect(await open.page.evaluate(() => (globalThis as unknown as { __largestFloat32: number }).__largestFloat32)).toBeLessThan(1_000_000);
    expect(open.errors).toEqual([]);
  });

  it("10,000 client lanes: the canvas is the window's height and the lanes scroll under it, drawn where they are scrolled to", async () => {
    const clients = 10_000;
    const base = normalRun();
    const last = `c${clients - 1}` as const;
    const record: RunRecord = { ...base, lanes: lanes(4, clients), operations: [...base.operations, { client: clients - 1, callMs: 10, returnMs: 30, operation: 'get k', result: 'ok ver=0' }] };
    const open = await browser.open(renderHtml(record));
    expect((await stats(open.page)).lanes).toBe(clients + 4);
    const sizes = await open.page.evaluate(() => {
      const { document: page, devicePixelRatio: dpr } = globalThis as unknown as PageDom;
      const wrap = page.getElementById('plot-wrap');
      wrap.scrollTop = wrap.scrollHeight;
      return { canvas: page.getElementById('plot').height / dpr, window: wrap.clientHeight, lanes: wrap.scrollHeight };
    });
    // Before, the canvas was the lanes' height (90,000 pixels): past ~32,000 the browser paints none of it.
    expect(sizes.canvas).toBeLessThanOrEqual(sizes.window + 1);
    expect(sizes.lanes).toBeGreaterThan(clients * 8);
    await stats(open.page); // the redraw the scroll asked for
    const point = await open.page.evaluate((id) => (globalThis as unknown as { __picture: { lanePoint(id: string): { x: number; y: number } | null } }).__picture.lanePoint(id), last);
    const box = (await open.page.locator('#plot').boundingBox())!;
    expect(point!.y).toBeGreaterThan(box.y);
    expect(point!.y).toBeLessThan(box.y + box.height);
    // The last client's lane line is painted where its name is, and a click on its bar selects it.
    const pixel = await open.page.evaluate(([x, y]) => {
      const { document: page, devicePixelRatio: dpr } = globalThis as unknown as PageDom;
      const canvas = page.getElementById('plot');
      const r = canvas.getBoundingClientRect();
      return Array.from(canvas.getContext('2d').getImageData(Math.round((x! - r.left) * dpr), Math.round((y! - r.top) * dpr), 1, 1).data);
    }, [box.x + 400, point!.y]);
    expect(pixel.slice(0, 3)).not.toEqual([255, 255, 255]);
    const bar = await open.page.evaluate(([x, y]) => (globalThis as unknown as { __picture: { hitAt(x: number, y: number): { kind: string } | null } }).__picture.hitAt(x!, y!), [box.x + box.width * 0.3, point!.y]);
    expect(bar?.kind).toBe('operation');
    expect(open.errors).toEqual([]);
  });

  it('strings a log or an adversary chose stay text: no script runs, whatever is clicked', async () => {
    const payload = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>"'\``;
    const base = violationRun();
    const record: RunRecord = {
      ...base,
      title: payload,
      auth: payload,
      source: { kind: 'cluster', clusterId: payload, logs: [payload] },
      lanes: base.lanes.map((lane) => ({ ...lane, faulty: { adversary: payload, options: payload } })),
      messages: base.messages.map((message) => ({ ...message, text: payload, digest: payload, dropped: payload, dropDetail: payload })),
      events: base.events.map((event) => ({ ...event, text: payload })),
      operations: base.operations.map((operation) => ({ ...operation, operation: payload, result: payload, offending: true })),
      verdict: { ok: false, linearizability: payload, violations: [{ property: payload, detail: payload, atMs: 3 }] },
    };
    const html = renderHtml(record);
    // The page's own script is the only one.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(viewerScript()).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const open = await browser.open(html);
    for (const link of await open.page.locator('aside a').all()) await link.click();
    for (let k = 0; k < 20; k++) {
      const point = await open.page.evaluate((i) => (globalThis as unknown as { __picture: { messagePoint(i: number): { x: number; y: number } | null } }).__picture.messagePoint(i), k);
      if (point !== null) await open.page.mouse.click(point.x, point.y);
    }
    expect(await open.page.locator('#selection [data-field="text"]').textContent()).toBe(payload);
    expect(await open.page.title()).toBe(payload);
    expect(await open.page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned ?? null)).toBeNull();
    expect(open.errors).toEqual([]);
  });
});
