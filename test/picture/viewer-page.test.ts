// The page generator without a browser: the same record gives the same page byte for byte;
// the page names nothing outside itself; the viewer's modules join into one script that
// parses; and the packed run (viewer/encode.ts) reads back, through the page's own decoder
// (viewer/data.js, plain JavaScript that node runs as well), as the record it came from,
// including records that name lanes and types it does not list, or times that are not numbers.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/picture/html.ts';
import type { MessageRecord, RunRecord } from '../../src/picture/record.ts';
import { viewerScript } from '../../src/picture/viewer/bundle.ts';
import { encodeRun } from '../../src/picture/viewer/encode.ts';
import { normalRun, viewChangeRun, violationRun } from './hand-made-runs.ts';

interface DecodedRun {
  lanes: { id: string; kind: string }[];
  types: { name: string }[];
  strings: string[];
  m: { count: number; from: ArrayLike<number>; to: ArrayLike<number>; type: ArrayLike<number>; sent: Float64Array; received: Float64Array; text: ArrayLike<number>; record: ArrayLike<number>; lost: ArrayLike<number>; seq: ArrayLike<number> };
  e: { count: number; at: Float64Array; until: Float64Array };
  o: { count: number; call: Float64Array; end: Float64Array; flags: ArrayLike<number> };
}

/** The page's decoder, loaded as the page loads it (a specifier tsc does not follow: it is JavaScript). */
async function decode(record: RunRecord): Promise<DecodedRun> {
  const data = (await import(pathToFileURL(`${process.cwd()}/src/picture/viewer/data.js`).href)) as { decodeRun(buffer: ArrayBuffer): DecodedRun };
  const bytes = encodeRun(record);
  return data.decodeRun(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

describe('picture page', () => {
  it('one record, one page: byte for byte the same each time, different for another record', () => {
    expect(renderHtml(violationRun())).toBe(renderHtml(violationRun()));
    expect(renderHtml(normalRun())).not.toBe(renderHtml(viewChangeRun()));
  });

  it('loads nothing from outside: no src or href to another address', () => {
    const html = renderHtml(violationRun());
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b|<script[^>]*\bsrc=/i);
  });

  it('the viewer joins into one script that parses, with no import or export left', () => {
    const script = viewerScript();
    expect(() => new Function(script)).not.toThrow();
    expect(script).not.toMatch(/^(import|export)\b/m);
    expect(script).toContain('function startViewer');
  });

  it('the packed run reads back as the record: every message, its lanes, type, times, text and record index', async () => {
    const record = viewChangeRun();
    const run = await decode(record);
    expect(run.m.count).toBe(record.messages.length);
    for (let i = 0; i < run.m.count; i++) {
      const original = record.messages[run.m.record[i]!]!;
      expect(run.lanes[run.m.from[i]!]!.id).toBe(original.from);
      expect(run.lanes[run.m.to[i]!]!.id).toBe(original.to);
      expect(run.types[run.m.type[i]!]!.name).toBe(original.type);
      expect(run.m.sent[i]).toBeCloseTo(original.sentMs, 3);
      if (original.receivedMs === undefined) expect(run.m.received[i]).toBeNaN();
      else expect(run.m.received[i]).toBeCloseTo(original.receivedMs, 3);
      expect(run.strings[run.m.text[i]!]).toBe(original.text);
      expect(run.m.seq[i]).toBe(original.seq === undefined ? 0 : original.seq + 1);
      if (i > 0) expect(run.m.sent[i]).toBeGreaterThanOrEqual(run.m.sent[i - 1]!);
    }
    expect(run.e.count).toBe(record.events.length);
    expect(run.o.count).toBe(record.operations.length);
  });

  it('a record that names an unknown lane or type, or carries times that are not numbers, still packs and reads back', async () => {
    const base = normalRun();
    const odd: MessageRecord[] = [
      { from: 'r9', to: 'c7', type: 'gossip' as MessageRecord['type'], sentMs: 5, receivedMs: 3, signer: 'r9', text: 'GOSSIP' },
      { from: 'r0', to: 'r1', type: 'prepare', sentMs: Number.NaN, receivedMs: Number.POSITIVE_INFINITY, signer: 'r0', text: 'PREPARE' },
    ];
    const record: RunRecord = {
      ...base,
      messages: [...base.messages, ...odd],
      events: [...base.events, { lane: 'r0', atMs: 10, untilMs: 4e9, kind: 'silent', text: 'silent for a long time' }],
      operations: [...base.operations, { client: 5, callMs: 1, operation: 'get a' }],
    };
    const run = await decode(record);
    expect(run.m.count).toBe(record.messages.length);
    expect(run.lanes.map((lane) => lane.id)).toEqual(expect.arrayContaining(['r9', 'c7', 'c5']));
    expect(run.types.map((type) => type.name)).toContain('gossip');
    const gossip = [...Array(run.m.count).keys()].find((i) => run.strings[run.m.text[i]!] === 'GOSSIP')!;
    expect(run.m.received[gossip]! - run.m.sent[gossip]!).toBeCloseTo(-2, 6); // skewed clocks: arrival before send
    const nan = [...Array(run.m.count).keys()].find((i) => run.m.record[i] === record.messages.length - 1)!;
    expect(run.m.sent[nan]).toBe(0);
    expect(run.m.received[nan]).toBeNaN();
    // Past 2^32 microseconds: stored wider, not wrapped.
    expect([...run.e.until].filter(Number.isFinite)).toEqual([expect.closeTo(4e9, 0)]);
    expect(run.o.end.some((end) => Number.isFinite(end))).toBe(true);
  });
});
