// Debian's chromium, headless, driven by playwright-core (which never downloads a browser of
// its own): one browser for a test file, one fresh profile directory, no network services.
// A page is opened from a file, as a user opens the HTML the simulator wrote, and counts as
// loaded when the viewer says it is ready; any console error or uncaught exception is kept
// so a test can assert there was none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PANCYDB_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
  /** Writes `html` to a file and opens it; resolves once the viewer is ready. */
  open(html: string, viewport?: { width: number; height: number }): Promise<OpenPage>;
}

export interface OpenPage {
  readonly page: Page;
  /** Console errors and page errors seen so far. */
  readonly errors: string[];
  readonly file: string;
  /** Milliseconds from navigation to the ready flag. */
  readonly loadMs: number;
}

export async function launchBrowser(): Promise<Browser> {
  const directory = mkdtempSync(join(tmpdir(), 'pancydb-picture-'));
  const context = await chromium.launchPersistentContext(join(directory, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 900 },
  });
  let pages = 0;
  return {
    context,
    async close() {
      await context.close();
      rmSync(directory, { recursive: true, force: true });
    },
    async open(html, viewport) {
      const file = join(directory, `page-${pages++}.html`);
      writeFileSync(file, html);
      const page = await context.newPage();
      if (viewport !== undefined) await page.setViewportSize(viewport);
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
      // The page must need nothing from outside: any request but the file itself fails the test.
      await page.route(/^(?!file:)/, async (route) => {
        errors.push(`request: ${route.request().url()}`);
        await route.abort();
      });
      const started = Date.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => {
        const picture = (globalThis as unknown as { __picture?: { ready: boolean; error: string | null } }).__picture;
        return picture !== undefined && (picture.ready || picture.error !== null);
      });
      return { page, errors, file, loadMs: Date.now() - started };
    },
  };
}

export interface PictureStats {
  readonly lanes: number;
  readonly mode: 'arrows' | 'density';
  readonly arrows: number;
  readonly messages: number;
  readonly aggregated: number;
  readonly operations: number;
  readonly events: number;
  readonly evidenceFlags: number;
  readonly lostStubMs: number;
  readonly drawMs: number;
  readonly window: { readonly startMs: number; readonly endMs: number };
}

/** The page's globals a test reaches for (the tests are type-checked without the DOM's types). */
export interface PageGlobals {
  readonly __picture: {
    stats(): PictureStats;
    setWindow(startMs: number, endMs: number): PictureStats;
    window(): { startMs: number; endMs: number };
    messagePoint(recordIndex: number, along?: number): { x: number; y: number } | null;
    hitAt(x: number, y: number): { kind: string; index: number } | null;
    lanePoint(id: string): { x: number; y: number } | null;
  };
  requestAnimationFrame(callback: () => void): number;
}

/** What the last redraw drew, after any redraw already asked for has run. */
export async function stats(page: Page): Promise<PictureStats> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return new Promise<PictureStats>((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => resolve(g.__picture.stats()))));
  });
}
