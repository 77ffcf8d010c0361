// Browser side: what sits on the lanes rather than between them. Client operations as
// Porcupine's bars from call to return (red when the checker names them in a violation,
// open-ended when they never returned); replica events as small glyphs (checkpoints as
// squares, view changes as ticks, crashes as crosses, what an adversary did as diamonds); evidence of equivocation as red flags on the culprit's lane.
import { EVENT_KINDS, lowerBound, upperBound } from './data.js';
import { timeToX } from './scale.js';

const EXECUTE_LIMIT = 4000;
const K = Object.fromEntries(EVENT_KINDS.map((kind, code) => [kind, code]));

/** The rectangle of operation `i`'s bar: [x, y, width, height], or null when its lane is hidden. */
export function operationBox(run, layout, win, i, out) {
  const o = run.o;
  const lane = o.lane[i];
  const top = layout.laneTop[lane];
  if (Number.isNaN(top)) return null;
  const rows = run.o.rows[lane];
  const unit = layout.laneHeight[lane] / (1 + 0.6 * Math.max(0, rows - 1));
  const rowTop = o.row[i] === 0 ? top : top + unit + (o.row[i] - 1) * 0.6 * unit;
  const rowHeight = o.row[i] === 0 ? unit : 0.6 * unit;
  const x1 = timeToX(win, layout.plot, o.call[i]);
  const x2 = timeToX(win, layout.plot, o.end[i]);
  out[0] = x1;
  out[1] = rowTop + rowHeight * 0.2;
  out[2] = Math.max(1.5, x2 - x1);
  out[3] = Math.max(3, rowHeight * 0.6);
  return out;
}

export function visibleOperations(run, win) {
  const o = run.o;
  return [lowerBound(o.call, win.startMs - o.maxSpanMs), upperBound(o.call, win.endMs)];
}

/** Draws the bars (only those the checker names, with `offendingOnly`: again over the messages); returns how many. */
export function drawOperations(ctx, scene, offendingOnly = false) {
  const { run, layout, win, selection } = scene;
  const o = run.o;
  const box = new Float64Array(4);
  const [first, last] = visibleOperations(run, win);
  const labels = [];
  let drawn = 0;
  const styles = [
    { flags: 1, fill: '#e2e8f0', stroke: '#64748b' },
    { flags: 0, fill: '#f1f5f9', stroke: '#94a3b8', dash: [3, 2] },
    { flags: 3, fill: '#fecaca', stroke: '#dc2626', width: 2 },
    { flags: 2, fill: '#fecaca', stroke: '#dc2626', width: 2, dash: [3, 2] },
  ];
  for (const style of offendingOnly ? styles.slice(2) : styles) {
    ctx.fillStyle = style.fill;
    ctx.strokeStyle = style.stroke;
    ctx.lineWidth = style.width ?? 1;
    ctx.setLineDash(style.dash ?? []);
    ctx.beginPath();
    // Bars under 3 pixels wide (a zoomed-out run) are merged with the bar before them on the
    // same row when they touch it: one rectangle for a run of them, not one each.
    const merged = new Map();
    const lastWide = new Map();
    const flush = (key) => {
      const [x1, x2, y, h] = merged.get(key);
      ctx.fillRect(x1, y, Math.max(1.5, x2 - x1), h);
      merged.delete(key);
    };
    for (let i = first; i < last; i++) {
      if (o.flags[i] !== style.flags || o.end[i] < win.startMs) continue;
      if (operationBox(run, layout, win, i, box) === null) continue;
      const [x, y, w, h] = box;
      drawn++;
      if (w < 3) {
        const key = o.lane[i] * 256 + o.row[i];
        const open = merged.get(key);
        if (open !== undefined && x <= open[1] + 1) open[1] = Math.max(open[1], x + w);
        else {
          if (open !== undefined) flush(key);
          merged.set(key, [x, x + w, y, h]);
        }
        continue;
      }
      // A wide bar with the same pixel ends as the last one drawn on its row would cover it
      // exactly (many calls that never returned, from one client or a faulty one).
      const row = o.lane[i] * 256 + o.row[i];
      const ends = `${Math.round(x)}:${Math.round(x + w)}`;
      if (lastWide.get(row) === ends) continue;
      lastWide.set(row, ends);
      ctx.fillRect(x, y, w, h);
      ctx.rect(x + 0.5, y + 0.5, w - 1, h - 1);
      if (w > 60 && h >= 9 && labels.length < 600) labels.push(i);
    }
    for (const key of [...merged.keys()]) flush(key);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.fillStyle = '#0f172a';
  ctx.textBaseline = 'middle';
  for (const i of labels) {
    const [x, y, w, h] = operationBox(run, layout, win, i, box);
    ctx.font = `${Math.min(11, Math.floor(h))}px ui-monospace, monospace`;
    const result = o.result[i] === 0 ? '' : ` → ${run.strings[o.result[i] - 1]}`;
    const text = fitText(ctx, `${run.strings[o.operation[i]]}${result}`, Math.min(w, layout.plot.x + layout.plot.width - Math.max(x, layout.plot.x)) - 8);
    ctx.fillText(text, Math.max(x, layout.plot.x) + 4, y + h / 2 + 0.5);
  }
  if (selection?.kind === 'operation' && operationBox(run, layout, win, selection.index, box) !== null) {
    ctx.strokeStyle = '#0f172a';
    ctx.lineWidth = 2;
    ctx.strokeRect(box[0] - 1, box[1] - 1, box[2] + 2, box[3] + 2);
  }
  return drawn;
}

/** `text` cut with an ellipsis to fit `width` pixels. */
export function fitText(ctx, text, width) {
  if (width <= 0) return '';
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : `${text.slice(0, lo)}…`;
}

/**
 * The events drawn in the window (executes only when few enough to tell apart), one per
 * lane, kind and pixel column: more would be drawn on top of each other, and a faulty
 * replica's log can hold a million events in a few seconds.
 */
export function visibleEvents(run, win, kindMask, layout, scratch) {
  const e = run.e;
  const first = lowerBound(e.at, win.startMs);
  const last = upperBound(e.at, win.endMs);
  let executes = 0;
  for (let i = first; i < last && executes <= EXECUTE_LIMIT; i++) if (e.kind[i] === K.execute) executes++;
  // Events come in time order, so a lane and kind's columns only grow: the last one drawn is enough.
  const lastColumn = new Float64Array(run.lanes.length * EVENT_KINDS.length).fill(-Infinity);
  let count = 0;
  for (let i = first; i < last; i++) {
    if (kindMask[e.kind[i]] === 0 || Number.isNaN(layout.middle[e.lane[i]])) continue;
    if (e.kind[i] === K.execute && executes > EXECUTE_LIMIT) continue;
    const column = Math.floor(timeToX(win, layout.plot, e.at[i]));
    const slot = e.lane[i] * EVENT_KINDS.length + e.kind[i];
    if (column === lastColumn[slot]) continue;
    lastColumn[slot] = column;
    scratch[count++] = i;
  }
  return count;
}

/** Where event `i`'s glyph sits: [x, y]. */
export function eventPoint(run, layout, win, i, out) {
  out[0] = timeToX(win, layout.plot, run.e.at[i]);
  out[1] = layout.middle[run.e.lane[i]];
  return out;
}

export function drawEvents(ctx, scene, indices, count) {
  const { run, layout, win } = scene;
  const e = run.e;
  const p = new Float64Array(2);
  // The figure's colours (palette.ts), so an event looks the same in the SVG and here.
  const colours = EVENT_KINDS.map((kind) => run.header.eventColours?.[kind] ?? '#64748b');
  ctx.textBaseline = 'alphabetic';
  ctx.font = '10px system-ui, sans-serif';
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    const [x, y] = eventPoint(run, layout, win, i, p);
    const half = Math.min(12, layout.laneHeight[e.lane[i]] * 0.42);
    drawGlyph(ctx, e.kind[i], x, y, half, e.view[i], colours[e.kind[i]]);
  }
}

function drawGlyph(ctx, kind, x, y, half, viewPlusOne, colour) {
  ctx.lineWidth = 1.5;
  switch (kind) {
    case K.execute:
      return dot(ctx, x, y, 1.8, colour);
    case K.checkpoint:
      ctx.strokeStyle = colour;
      return ctx.strokeRect(x - 3, y - 3, 6, 6);
    case K['stable-checkpoint']:
      ctx.fillStyle = colour;
      return ctx.fillRect(x - 3.5, y - 3.5, 7, 7);
    case K['start-view-change']:
      return tick(ctx, x, y, half, colour, viewPlusOne > 0 ? `→v${viewPlusOne - 1}` : '');
    case K['enter-view']:
      return tick(ctx, x, y, half, colour, viewPlusOne > 0 ? `v${viewPlusOne - 1}` : '');
    case K['voting-resumed']:
      return tick(ctx, x, y, half * 0.6, colour, '');
    case K['state-transfer']:
    case K['state-rollback']:
      ctx.strokeStyle = colour;
      ctx.beginPath();
      ctx.arc(x, y, 4, 0, Math.PI * 2);
      ctx.stroke();
      return kind === K['state-rollback'] ? xMark(ctx, x, y, 2.5, colour) : undefined;
    case K.crash:
      return xMark(ctx, x, y, 6, colour);
    case K.silent:
    case K.partition:
      return tick(ctx, x, y, half * 0.8, colour, kind === K.silent ? 'silent' : 'cut off');
    case K.restart:
      ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.moveTo(x, y - 6);
      ctx.lineTo(x + 8, y);
      ctx.lineTo(x, y + 6);
      return ctx.fill();
    case K.evidence:
      return flag(ctx, x, y, half);
    case K.adversary:
      ctx.fillStyle = colour;
      ctx.strokeStyle = '#ffffff';
      ctx.beginPath();
      ctx.moveTo(x, y - 5.5);
      ctx.lineTo(x + 5.5, y);
      ctx.lineTo(x, y + 5.5);
      ctx.lineTo(x - 5.5, y);
      ctx.closePath();
      ctx.fill();
      return ctx.stroke();
    default:
      return dot(ctx, x, y, 2.5, colour);
  }
}

function dot(ctx, x, y, r, colour) {
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fill();
}

function tick(ctx, x, y, half, colour, label) {
  ctx.strokeStyle = ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.moveTo(x, y - half);
  ctx.lineTo(x, y + half);
  ctx.stroke();
  if (label !== '' && half >= 8) ctx.fillText(label, x + 3, y - half + 8);
}

function xMark(ctx, x, y, r, colour) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2.2;
  ctx.beginPath();
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x - r, y + r);
  ctx.lineTo(x + r, y - r);
  ctx.stroke();
}

/** A red flag: evidence of equivocation, planted on the culprit's lane. */
export function flag(ctx, x, y, half) {
  const top = y - Math.max(9, half);
  ctx.strokeStyle = '#7f1d1d';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x, y + 2);
  ctx.lineTo(x, top);
  ctx.stroke();
  ctx.fillStyle = '#dc2626';
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x + 9, top + 3.5);
  ctx.lineTo(x, top + 7);
  ctx.closePath();
  ctx.fill();
}

/** Evidence items with a moment, on their culprits' lanes; returns [evidence index, x, y] drawn. */
export function drawEvidence(ctx, scene, culpritLane) {
  const { run, layout, win } = scene;
  const placed = [];
  run.header.evidence.forEach((item, index) => {
    const lane = culpritLane(item.culprit);
    if (lane < 0 || item.markMs === null || Number.isNaN(layout.middle[lane])) return;
    if (item.markMs < win.startMs || item.markMs > win.endMs) return;
    const x = timeToX(win, layout.plot, item.markMs);
    const y = layout.middle[lane];
    flag(ctx, x, y, layout.laneHeight[lane] * 0.42);
    placed.push([index, x, y]);
  });
  return placed;
}
