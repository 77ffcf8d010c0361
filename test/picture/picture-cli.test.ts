// `pancydb sim --html/--record` and `pancydb demo --html/--svg`: one run's picture, written
// only for one seed, to a path checked before the run; and the run is the run without them.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { RUN_RECORD_FORMAT, type RunRecord } from '../../src/picture/record.ts';
import { xmlProblems } from './xml-check.ts';

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

const SHORT = ['sim', '-S', '4', '--profile', 'ci', '--duration', '1.5', '-l', '0.02'];

describe('pancydb sim --html, --record', () => {
  it('--json prints the same report with and without them, and the record counts what the report counts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-picture-'));
    const plain = await run([...SHORT, '--json']);
    const pictured = await run([...SHORT, '--json', '--html', join(directory, 'run.html'), '--record', join(directory, 'run.json')]);
    expect(pictured.status).toBe(plain.status);
    expect(pictured.out).toEqual(plain.out);
    const report = JSON.parse(plain.out[0]!) as { messages: { sent: number; delivered: number } };
    const record = JSON.parse(readFileSync(join(directory, 'run.json'), 'utf8')) as RunRecord;
    expect(record.format).toBe(RUN_RECORD_FORMAT);
    expect(record.messages.filter((message) => message.duplicate !== true).length).toBe(report.messages.sent);
    expect(record.source).toMatchObject({ kind: 'simulator', seed: 4 });
    expect((record.source as { replay: string }).replay).toMatch(/^npx pancydb sim -S 4 .*-l 0\.02.* -V$/);
    const html = readFileSync(join(directory, 'run.html'), 'utf8');
    expect(html).toContain('<html');
    expect(pictured.err.some((line) => line.startsWith('picture: ') && line.includes('run.html'))).toBe(true);
  });

  it.each([
    [['-R', '3', '--html', 'x.html'], '--html x.html draws one run'],
    [['-R', '2', '--record', 'x.json'], '--record x.json draws one run'],
    [['--scenario', 'adversaries/scenarios/silent.json', '--html', 'x.html'], 'give one seed'],
  ])('%j exits 2 naming the flag, before any seed runs', async (extra, message) => {
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-picture-'));
    const args = extra.map((word) => (word.startsWith('x.') ? join(directory, word) : word));
    const result = await run(['sim', '--profile', 'ci', ...args]);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain(message.replace(/x\.(html|json)/, (name) => join(directory, name)));
    expect(existsSync(join(directory, 'x.html')) || existsSync(join(directory, 'x.json'))).toBe(false);
  });

  it.each([
    [['--html', '/nonexistent-directory/run.html'], '--html /nonexistent-directory/run.html: no directory'],
    [['--record'], '--record needs a value'],
    [['--html', '--json'], '--html needs a value, got the option --json'],
    [['--html', 'same.x', '--record', 'same.x'], 'names the same file'],
    [['--evidence', 'same.x', '--html', 'same.x'], '--html same.x: --evidence names the same file'],
  ])('%j is a usage error', async (extra, message) => {
    const result = await run(['sim', '--profile', 'ci', ...extra]);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain(message);
  });
});

describe('pancydb demo --html, --svg', () => {
  it('writes the page and the figure after the story, and exits 0', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-picture-'));
    const result = await run(['demo', '--html', join(directory, 'demo.html'), '--svg', join(directory, 'demo.svg')]);
    expect(result.status).toBe(0);
    expect(result.out.at(-2)).toMatch(/^picture: \d+ messages/);
    expect(result.out.at(-1)).toMatch(/^figure: the first view change, \d+-\d+ ms, written to /);
    const svg = readFileSync(join(directory, 'demo.svg'), 'utf8');
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toBe(readFileSync('docs/figures/view-change.svg', 'utf8'));
  });

  it.each([
    [['--svg'], '--svg needs a value'],
    [['--svg', '/nonexistent-directory/x.svg'], 'no directory'],
    [['--html', 'a.html', '--html', 'b.html'], '--html is given twice'],
  ])('%j exits 2 with its reason', async (extra, message) => {
    const result = await run(['demo', ...extra]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toContain(message);
  });
});
