// How the interactive picture copes with a big run: the page's size, the time from opening
// it to the first picture, and the time a redraw takes at several zooms and while panning,
// measured in Debian's headless chromium (test/picture/browser.ts). A redraw's time is from
// setting the window to two animation frames later, so it includes the browser painting it,
// not only the script.
//
//   npm run bench:picture -- --record /tmp/r1.json   (pancydb sim -S 1 --record /tmp/r1.json)
//   npm run bench:picture -- --synthetic 300000       (a made-up run of that many messages)
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { renderHtml } from '../src/picture/html.ts';
import { RUN_RECORD_FORMAT, type RunRecord } from '../src/picture/record.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { launchBrowser, type PageGlobals, type PictureStats } from '../test/picture/browser.ts';
import { syntheticRun } from '../test/picture/synthetic-run.ts';
import { runBenchScript } from './script.ts';

const USAGE = `usage: npm run bench:picture -- (--record FILE | --synthetic MESSAGES) [--html FILE] [--repeat N]
  --record FILE         a run record (pancydb sim -S 1 --record FILE)
  --synthetic MESSAGES  a made-up run of about that many messages over 100 s, 32 clients
  --html FILE           also keep the page
  --repeat N            redraws per window, the median reported (default 5)`;

interface Options {
  readonly record?: string;
  readonly synthetic?: number;
  readonly html?: string;
  readonly repeat: number;
}

function parse(args: string[]): Options {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    if (!['--record', '--synthetic', '--html', '--repeat'].includes(flag)) throw new UsageError(`unknown flag ${flag}`);
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  const count = (flag: string): number | undefined => {
    const text = values.get(flag);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > 10_000_000) throw new UsageError(`${flag}: expected a whole number from 1 to 10000000, got ${text}`);
    return value;
  };
  const record = values.get('--record');
  const synthetic = count('--synthetic');
  if ((record === undefined) === (synthetic === undefined)) throw new UsageError('give one of --record FILE and --synthetic MESSAGES');
  const html = values.get('--html');
  return { ...(record === undefined ? {} : { record }), ...(synthetic === undefined ? {} : { synthetic }), ...(html === undefined ? {} : { html }), repeat: count('--repeat') ?? 5 };
}

function loadRecord(options: Options): RunRecord {
  if (options.synthetic !== undefined) return syntheticRun({ clients: 32, durationMs: 100_000, messages: options.synthetic });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(options.record!, 'utf8'));
  } catch (error) {
    throw new UsageError(`--record: cannot read ${options.record}: ${(error as Error).message}`);
  }
  if ((json as { format?: unknown }).format !== RUN_RECORD_FORMAT) throw new UsageError(`--record: ${options.record} is not a ${RUN_RECORD_FORMAT} record`);
  return json as RunRecord;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

async function main(options: Options): Promise<number> {
  const record = loadRecord(options);
  let started = performance.now();
  const html = renderHtml(record);
  const renderMs = performance.now() - started;
  if (options.html !== undefined) writeFileSync(options.html, html);
  const recordJson = JSON.stringify(record);
  console.log(`run: ${record.title}; ${record.messages.length} messages, ${record.events.length} events, ${record.operations.length} operations, ${(record.endMs / 1000).toFixed(1)} s`);
  console.log(`record as JSON: ${mb(recordJson.length)} (${mb(gzipSync(recordJson).length)} gzipped)`);
  console.log(`page: ${mb(Buffer.byteLength(html))}, generated in ${renderMs.toFixed(0)} ms`);

  const browser = await launchBrowser();
  try {
    started = performance.now();
    const open = await browser.open(html);
    console.log(`open to first picture: ${open.loadMs} ms`);
    if (open.errors.length > 0) throw new Error(`the page reported errors: ${open.errors.join('; ')}`);
    const redraw = (startMs: number, endMs: number) =>
      open.page.evaluate(async ([a, b]) => {
        const g = globalThis as unknown as PageGlobals;
        const t0 = performance.now();
        const stats = g.__picture.setWindow(a!, b!);
        await new Promise<void>((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => resolve())));
        return { frameMs: performance.now() - t0, stats };
      }, [startMs, endMs]) as Promise<{ frameMs: number; stats: PictureStats }>;

    console.log('\n| window | mode | messages in view | drawn as arrows | script ms | redraw to painted ms |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const middle = record.endMs / 2;
    for (const spanMs of [record.endMs * 1.02, 10_000, 1_000, 100, 10]) {
      const frames: number[] = [];
      const scripts: number[] = [];
      let last: PictureStats | undefined;
      for (let k = 0; k < options.repeat; k++) {
        // A slightly different window each time, so nothing is served from a cache.
        const shift = (k * spanMs) / 1000;
        const { frameMs, stats } = await redraw(middle - spanMs / 2 + shift, middle + spanMs / 2 + shift);
        frames.push(frameMs);
        scripts.push(stats.drawMs);
        last = stats;
      }
      console.log(`| ${spanMs >= 1000 ? `${(spanMs / 1000).toFixed(1)} s` : `${spanMs} ms`} | ${last!.mode} | ${last!.messages} | ${last!.arrows} | ${median(scripts).toFixed(1)} | ${median(frames).toFixed(1)} |`);
    }
    const pans: number[] = [];
    for (let k = 0; k < 20; k++) pans.push((await redraw(middle + k * 50, middle + 1000 + k * 50)).frameMs);
    console.log(`\npanning a 1 s window by 5%, 20 times: median ${median(pans).toFixed(1)} ms, worst ${Math.max(...pans).toFixed(1)} ms a redraw`);
  } finally {
    await browser.close();
  }
  return 0;
}

runBenchScript('bench:picture', USAGE, parse, main);
