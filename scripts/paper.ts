// `npm run paper`: writeup.md as a PDF, the way a systems paper is printed: US letter,
// two columns of 9.5 pt serif text, figures and tables at column width. The Markdown is
// turned into HTML by marked (GitHub-flavoured: tables, fenced code) and printed by
// Debian's headless Chromium through playwright-core, the browser the picture's tests
// already use. Images are resolved against the Markdown file's directory and must be local:
// the page may fetch nothing from the network.
//
//   npm run paper -- [--in writeup.md] [--out writeup.pdf] [--html FILE]
//
// Prints the page count, counted in the PDF itself (one /Type /Page object per page).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { marked } from 'marked';
import { chromium } from 'playwright-core';

/** Where the browser is: Debian's package, unless PANCYDB_CHROMIUM names another. */
export const CHROMIUM = process.env['PANCYDB_CHROMIUM'] ?? '/usr/bin/chromium';

const STYLE = `
@page { size: Letter; margin: 0.75in 0.7in 0.8in 0.7in; }
html { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 9.5pt; line-height: 1.22; }
body { margin: 0; column-count: 2; column-gap: 0.3in; text-align: justify; hyphens: auto; }
h1 { column-span: all; font-size: 15pt; text-align: center; margin: 0 0 0.6em; }
h2 { font-size: 11pt; margin: 0.9em 0 0.3em; break-after: avoid; }
h3 { font-size: 9.5pt; margin: 0.7em 0 0.2em; break-after: avoid; }
p, ul, ol { margin: 0 0 0.45em; }
ul, ol { padding-left: 1.2em; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
pre { font-size: 7.5pt; white-space: pre-wrap; break-inside: avoid; margin: 0.3em 0 0.5em; }
table { border-collapse: collapse; width: 100%; font-size: 7.5pt; margin: 0.3em 0 0.6em; break-inside: avoid; }
th, td { border-top: 0.5pt solid #999; border-bottom: 0.5pt solid #999; padding: 1pt 3pt; text-align: left; }
img { max-width: 100%; display: block; margin: 0.3em auto; break-inside: avoid; }
`;

/** The whole HTML page for `markdown`, whose relative links resolve against `baseDir`. */
export async function paperHtml(markdown: string, baseDir: string): Promise<string> {
  const body = await marked.parse(markdown, { gfm: true });
  return `<!doctype html><html><head><meta charset="utf-8"><base href="${pathToFileURL(baseDir + '/').href}"><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** One /Type /Page object per page (not /Pages, the tree's nodes). */
export function countPdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

/** Prints `html` (a file on disk, so that file: images load) to a PDF. */
export async function printPdf(htmlFile: string): Promise<Buffer> {
  const profile = mkdtempSync(join(tmpdir(), 'pancydb-paper-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const outside: string[] = [];
    await page.route(/^(?!file:)/, async (route) => {
      outside.push(route.request().url());
      await route.abort();
    });
    const missing: string[] = [];
    page.on('requestfailed', (request) => missing.push(request.url()));
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    if (outside.length > 0) throw new Error(`the paper asks the network for ${outside.join(', ')}: every figure must be a local file`);
    if (missing.length > 0) throw new Error(`missing files: ${missing.join(', ')}`);
    return await page.pdf({ format: 'Letter', preferCSSPageSize: true, printBackground: true });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let values: { in?: string | undefined; out?: string | undefined; html?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { in: { type: 'string' }, out: { type: 'string' }, html: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`paper: ${(error as Error).message}\nusage: npm run paper -- [--in writeup.md] [--out writeup.pdf] [--html FILE]\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write('usage: npm run paper -- [--in writeup.md] [--out writeup.pdf] [--html FILE]\nRenders the Markdown to a two-column US-letter PDF with Chromium (PANCYDB_CHROMIUM, default /usr/bin/chromium) and prints its page count.\n');
    return 0;
  }
  const input = resolve(values.in ?? 'writeup.md');
  const output = resolve(values.out ?? 'writeup.pdf');
  let markdown: string;
  try {
    markdown = readFileSync(input, 'utf8');
  } catch (error) {
    process.stderr.write(`paper: --in ${input}: ${(error as Error).message}\n`);
    return 2;
  }
  const html = await paperHtml(markdown, dirname(input));
  const scratch = mkdtempSync(join(tmpdir(), 'pancydb-paper-html-'));
  const htmlFile = values.html === undefined ? join(scratch, 'paper.html') : resolve(values.html);
  try {
    writeFileSync(htmlFile, html);
    const pdf = await printPdf(htmlFile);
    writeFileSync(output, pdf);
    process.stdout.write(`wrote ${output}: ${countPdfPages(pdf)} pages\n`);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
