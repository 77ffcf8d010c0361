// `npm run paper` (scripts/paper.ts): Markdown to a two-column PDF through Debian's
// headless Chromium. The page count is read from the PDF itself, so it is checked here
// against documents whose page count is known; a figure that is missing or would come from
// the network fails the render, naming it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPdfPages, paperHtml, printPdf } from '../../scripts/paper.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-paper-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Renders `markdown` as the paper script does, with `dir` as the Markdown's directory. */
async function render(markdown: string): Promise<Buffer> {
  const file = join(dir, `paper-${Math.random().toString(36).slice(2)}.html`);
  writeFileSync(file, await paperHtml(markdown, dir));
  return printPdf(file);
}

/** A 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('npm run paper', () => {
  it('counts the pages a document really has: one, and three with two forced page breaks', async () => {
    expect(countPdfPages(await render('# One page\n\nText.'))).toBe(1);
    // Page breaks force pages in one column (in the paper's two they only end a column).
    const three = await render('<style>body { column-count: auto }</style>\n\n# Three pages\n\nfirst\n\n<div style="break-after: page"></div>\n\nsecond\n\n<div style="break-after: page"></div>\n\nthird');
    expect(countPdfPages(three)).toBe(3);
    expect(three.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('renders GitHub tables and a local figure; a missing figure or one from the network fails, naming it', async () => {
    writeFileSync(join(dir, 'figure.png'), PNG);
    const html = await paperHtml('| a | b |\n|---|---|\n| 1 | 2 |\n\n![f](figure.png)', dir);
    expect(html).toContain('<table>');
    expect(html).toContain('<img src="figure.png"');
    expect(countPdfPages(await render('![f](figure.png)'))).toBe(1);
    await expect(render('![f](no-such-figure.png)')).rejects.toThrow(/missing files: file:.*no-such-figure\.png/);
    await expect(render('![f](http://example.invalid/figure.png)')).rejects.toThrow(/asks the network for http:\/\/example\.invalid\/figure\.png/);
  });

  it('usage errors exit 2 naming the flag, or the file that cannot be read', () => {
    const script = resolve(import.meta.dirname, '../../scripts/paper.ts');
    const tsx = resolve(import.meta.dirname, '../../node_modules/tsx/dist/cli.mjs');
    const bad = spawnSync(process.execPath, [tsx, script, '--pages', '6'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--pages'");
    const missing = spawnSync(process.execPath, [tsx, script, '--in', join(dir, 'no-such.md'), '--out', join(dir, 'x.pdf')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`--in ${join(dir, 'no-such.md')}: ENOENT`);
  });

  it('writeup.md renders to a PDF of at least 4 pages', async () => {
    const writeup = resolve(import.meta.dirname, '../../writeup.md');
    const html = join(dir, 'writeup.html');
    writeFileSync(html, await paperHtml(readFileSync(writeup, 'utf8'), resolve(import.meta.dirname, '../..')));
    expect(countPdfPages(await printPdf(html))).toBeGreaterThanOrEqual(4);
  });
});
