// The static figure's legend (svg.ts): the message types it draws, lost and dropped
// messages, the marks on lanes, the view shading, and what it leaves out, in numbers, so
// nobody reads an empty stretch as silence when it was only not drawn.
import { INK_COLOUR, MESSAGE_COLOURS, MESSAGE_TYPE_ORDER, MUTED_COLOUR, VIEW_BAND_FILLS, messageLabel } from './palette.ts';
import type { LaneEvent, PictureMessageType, RunRecord } from './record.ts';
import { escapeXml, eventMark, lostCross, px } from './svg-marks.ts';
import type { FigureContent, TimeWindow } from './svg-window.ts';

export interface LegendInput {
  readonly content: FigureContent;
  readonly record: RunRecord;
  readonly window: TimeWindow;
  readonly leftPx: number;
  readonly topPx: number;
  readonly widthPx: number;
}

const CELL_PX = 284;
const ROW_PX = 22;

const EVENT_WORDS: Partial<Record<LaneEvent['kind'], string>> = {
  'start-view-change': 'starts a view change (sends VIEW-CHANGE)',
  'enter-view': 'enters the new view',
  execute: 'executes batches',
  checkpoint: 'takes a checkpoint',
  'stable-checkpoint': 'checkpoint becomes stable',
  crash: 'crashes',
  restart: 'restarts',
  'state-transfer': 'state transfer',
  'state-rollback': 'rolls back its state',
  'voting-resumed': 'votes again',
  evidence: 'keeps evidence of equivocation',
  adversary: 'its adversary acts',
  silent: 'falls silent',
  partition: 'is partitioned',
};

/** The legend's SVG, and how tall it is. */
export function legend(input: LegendInput): { svg: string; heightPx: number } {
  const cells = [...messageCells(input.content), ...markCells(input), ...bandCells(input)];
  const perRow = Math.max(1, Math.floor(input.widthPx / CELL_PX));
  const parts = [`<text x="${input.leftPx}" y="${px(input.topPx)}" font-weight="bold" fill="${INK_COLOUR}">Legend</text>`];
  cells.forEach((cell, index) => {
    const x = input.leftPx + (index % perRow) * CELL_PX;
    const y = input.topPx + 20 + Math.floor(index / perRow) * ROW_PX;
    parts.push(`${cell.swatch(x, y)}<text x="${px(x + 34)}" y="${px(y + 4)}" fill="${INK_COLOUR}">${escapeXml(cell.words)}</text>`);
  });
  let y = input.topPx + 20 + Math.ceil(cells.length / perRow) * ROW_PX + 4;
  for (const note of notes(input)) {
    parts.push(`<text x="${input.leftPx}" y="${px(y)}" fill="${MUTED_COLOUR}">${escapeXml(note)}</text>`);
    y += 18;
  }
  return { svg: `<g class="legend">${parts.join('\n')}</g>`, heightPx: y - input.topPx };
}

interface Cell {
  readonly words: string;
  swatch(x: number, y: number): string;
}

function messageCells(content: FigureContent): Cell[] {
  const drawn = new Set<PictureMessageType>(content.groups.map((group) => group.first.type));
  const cells: Cell[] = MESSAGE_TYPE_ORDER.filter((type) => drawn.has(type)).map((type) => ({
    words: messageLabel(type),
    swatch: (x, y) => `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 26)}" y2="${px(y)}" stroke="${MESSAGE_COLOURS[type]}" stroke-width="2.4" marker-end="url(#head-${type})"/>`,
  }));
  if (content.groups.some((group) => group.first.receivedMs === undefined)) {
    cells.push({ words: 'lost: never arrived', swatch: (x, y) => `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 20)}" y2="${px(y)}" stroke="${MUTED_COLOUR}" stroke-width="1.6" stroke-dasharray="5 3"/>${lostCross(x + 22, y)}` });
  }
  if (content.groups.some((group) => group.first.dropped !== undefined)) {
    cells.push({ words: 'arrived, dropped by the receiver', swatch: (x, y) => `<circle cx="${px(x + 13)}" cy="${px(y)}" r="4.5" fill="none" stroke="${MUTED_COLOUR}" stroke-width="1.5"/>` });
  }
  if (content.groups.some((group) => group.count > 1)) {
    cells.push({ words: 'thick: several alike (same ends and times)', swatch: (x, y) => `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 26)}" y2="${px(y)}" stroke="${INK_COLOUR}" stroke-width="3"/>` });
  }
  return cells;
}

function markCells(input: LegendInput): Cell[] {
  // A fault that began before the window has no mark in it (svg.ts): no legend entry either.
  const kinds = new Set(input.content.events.filter((event) => event.atMs >= input.window.fromMs).map((event) => event.kind));
  const cells: Cell[] = (Object.keys(EVENT_WORDS) as LaneEvent['kind'][]).filter((kind) => kinds.has(kind)).map((kind) => ({ words: EVENT_WORDS[kind]!, swatch: (x, y) => eventMark(kind, x + 13, y) }));
  if (input.content.events.some((event) => event.kind === 'silent' || event.kind === 'partition' || event.kind === 'crash')) {
    cells.push({ words: 'dashed lane: silent, cut off or down', swatch: (x, y) => `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 26)}" y2="${px(y)}" stroke="${MUTED_COLOUR}" stroke-width="3" stroke-dasharray="6 4"/>` });
  }
  return cells;
}

function bandCells(input: LegendInput): Cell[] {
  const views = [...new Set(input.record.views.map((band) => band.view % 2))].sort();
  const cells: Cell[] = views.map((parity) => ({
    words: parity === 0 ? 'in an even view (0, 2, …)' : 'in an odd view (1, 3, …)',
    swatch: (x, y) => `<rect x="${px(x)}" y="${px(y - 7)}" width="26" height="14" fill="${VIEW_BAND_FILLS[parity as 0 | 1]}" stroke="${MUTED_COLOUR}" stroke-width="0.5"/>`,
  }));
  if (input.content.events.some((event) => event.kind === 'start-view-change')) {
    cells.push({ words: 'changing views: votes in no view', swatch: (x, y) => `<rect x="${px(x)}" y="${px(y - 7)}" width="26" height="14" fill="url(#changing)" stroke="${MUTED_COLOUR}" stroke-width="0.5"/>` });
  }
  return cells;
}

/** What the figure leaves out, in numbers. */
function notes(input: LegendInput): string[] {
  const { content } = input;
  const lines: string[] = [];
  const known = MESSAGE_TYPE_ORDER.filter((type) => content.hidden.has(type)).map((type) => `${content.hidden.get(type)} ${messageLabel(type)}`);
  const unknown = [...content.hidden].filter(([type]) => !(MESSAGE_TYPE_ORDER as readonly string[]).includes(type)).reduce((total, [, count]) => total + count, 0);
  const hidden = unknown === 0 ? known : [...known, `${unknown} of types the picture does not know`];
  if (hidden.length > 0) lines.push(`Not drawn in this window: ${hidden.join(', ')} (types hidden, or to or from lanes not shown).`);
  if (content.overflow > 0) lines.push(`${content.overflow} more groups of arrows in this window are beyond what one figure draws.`);
  const lostFaulty = content.groups.filter((group) => group.first.lost === 'silent').reduce((total, group) => total + group.count, 0);
  if (lostFaulty > 0) lines.push(`${lostFaulty} of the arrows drawn were lost because their sender was silent.`);
  const violations = input.record.verdict.violations.length;
  lines.push(input.record.verdict.ok ? 'Verdict: every checker passed.' : `Verdict: ${violations} violation${violations === 1 ? '' : 's'} — ${input.record.verdict.violations[0]?.property ?? ''}.`);
  return lines;
}
