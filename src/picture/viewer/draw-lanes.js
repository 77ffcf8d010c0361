// Browser side: everything behind and around the messages. Lane rows tinted by the view the
// replica was in, a gold edge while it was that view's primary, orange hatching while it was
// changing views, grey hatching while it was down (its lower half only while the simulator
// silenced it or cut its links); faulty lanes tinted and their middle line
// dashed in magenta; the views as bands across the top with their primaries; the time axis;
// the lane labels in the left gutter; the checkers' violations as red lines.
import { AXIS_PX, GUTTER_PX, VIEW_STRIP_PX } from './layout.js';
import { formatTime, timeTicks, timeToX } from './scale.js';

const VIEW_TINTS = ['#f8fafc', '#eef2ff', '#ecfdf5', '#fff7ed', '#fdf2f8', '#ecfeff'];
const VIEW_BANDS = ['#cbd5e1', '#a5b4fc', '#86efac', '#fdba74', '#f9a8d4', '#67e8f9'];
export const FAULTY_COLOUR = '#c026d3';
const PRIMARY_COLOUR = '#f59e0b';
const VIOLATION_COLOUR = '#dc2626';
const PRIMARY_COLOUR_TEXT = '#b45309';

function hatch(ctx, colour) {
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const t = tile.getContext('2d');
  t.strokeStyle = colour;
  t.lineWidth = 2;
  t.beginPath();
  t.moveTo(-2, 10);
  t.lineTo(10, -2);
  t.stroke();
  return ctx.createPattern(tile, 'repeat');
}

/** Fills [startMs, endMs] of `lane`'s row (or part of it), clipped to the plot by the caller. */
function fillSpan(ctx, scene, lane, startMs, endMs, top = 0, height = 1) {
  const { layout, win } = scene;
  if (Number.isNaN(layout.laneTop[lane])) return;
  const x1 = Math.max(layout.plot.x - 1, timeToX(win, layout.plot, startMs));
  const x2 = Math.min(layout.plot.x + layout.plot.width + 1, timeToX(win, layout.plot, endMs));
  // Under a quarter pixel it would not show, and a faulty replica may claim thousands of views.
  if (x2 - x1 < 0.25) return;
  ctx.fillRect(x1, layout.laneTop[lane] + top * layout.laneHeight[lane], x2 - x1, height * layout.laneHeight[lane]);
}

export function drawLaneRows(ctx, scene) {
  const { run, layout, spans } = scene;
  const { plot } = layout;
  for (const lane of scene.rows) {
    ctx.fillStyle = run.lanes[lane].faulty ? '#fdf4ff' : lane % 2 === 0 ? '#ffffff' : '#fbfcfd';
    ctx.fillRect(plot.x, layout.laneTop[lane], plot.width, layout.laneHeight[lane]);
  }
  for (const span of spans.views) {
    ctx.fillStyle = run.lanes[span.lane].faulty ? '#fae8ff' : VIEW_TINTS[span.view % VIEW_TINTS.length];
    fillSpan(ctx, scene, span.lane, span.startMs, span.endMs, 0.04, 0.92);
  }
  scene.patterns ??= { changing: hatch(ctx, 'rgba(249,115,22,0.35)'), down: hatch(ctx, 'rgba(71,85,105,0.45)'), cut: hatch(ctx, 'rgba(107,114,128,0.3)') };
  ctx.fillStyle = scene.patterns.cut;
  for (const span of spans.cut) fillSpan(ctx, scene, span.lane, span.startMs, span.endMs, 0.5, 0.46);
  ctx.fillStyle = scene.patterns.changing;
  for (const span of spans.changing) fillSpan(ctx, scene, span.lane, span.startMs, span.endMs, 0.04, 0.92);
  ctx.fillStyle = scene.patterns.down;
  for (const span of spans.down) fillSpan(ctx, scene, span.lane, span.startMs, span.endMs);
  ctx.fillStyle = PRIMARY_COLOUR;
  for (const span of spans.primaries) fillSpan(ctx, scene, span.lane, span.startMs, span.endMs, 0.04, 3 / Math.max(3, layout.laneHeight[span.lane]));
  drawGrid(ctx, scene);
  for (const lane of scene.rows) {
    const y = Math.round(layout.middle[lane]) + 0.5;
    ctx.strokeStyle = run.lanes[lane].faulty ? FAULTY_COLOUR : '#94a3b8';
    ctx.lineWidth = 1;
    ctx.setLineDash(run.lanes[lane].faulty ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(plot.x, y);
    ctx.lineTo(plot.x + plot.width, y);
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

function drawGrid(ctx, scene) {
  const { layout, win } = scene;
  const { plot } = layout;
  const { ticks } = timeTicks(win, plot, 110);
  ctx.strokeStyle = 'rgba(148,163,184,0.22)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const t of ticks) {
    const x = Math.round(timeToX(win, plot, t)) + 0.5;
    ctx.moveTo(x, plot.y);
    ctx.lineTo(x, plot.y + plot.height);
  }
  ctx.stroke();
}

/** Red dashed lines where the checkers place a violation. */
export function drawViolations(ctx, scene) {
  const { run, layout, win } = scene;
  ctx.strokeStyle = VIOLATION_COLOUR;
  ctx.lineWidth = 1.5;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  for (const violation of run.header.verdict.violations ?? []) {
    if (!Number.isFinite(violation.atMs)) continue;
    const x = timeToX(win, layout.plot, violation.atMs);
    ctx.moveTo(x, AXIS_PX);
    ctx.lineTo(x, layout.plot.y + layout.plot.height);
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

/** The axis, the views strip and the gutter, drawn last over anything that overflowed. */
export function drawFrame(ctx, scene, width, height) {
  const { run, layout, win, strip } = scene;
  const { plot } = layout;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, AXIS_PX + VIEW_STRIP_PX);
  ctx.fillRect(0, 0, GUTTER_PX, height);
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x, 0, plot.width, AXIS_PX + VIEW_STRIP_PX);
  ctx.clip();
  const { step, ticks } = timeTicks(win, plot, 110);
  ctx.fillStyle = '#334155';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.strokeStyle = '#94a3b8';
  ctx.beginPath();
  for (const t of ticks) {
    const x = Math.round(timeToX(win, plot, t)) + 0.5;
    ctx.moveTo(x, AXIS_PX - 5);
    ctx.lineTo(x, AXIS_PX);
    ctx.fillText(formatTime(t, step), x + 3, AXIS_PX / 2);
  }
  ctx.stroke();
  for (const band of strip) {
    const x1 = Math.max(plot.x, timeToX(win, plot, band.startMs));
    const x2 = Math.min(plot.x + plot.width, timeToX(win, plot, band.endMs));
    if (x2 <= x1) continue;
    ctx.fillStyle = VIEW_BANDS[band.view % VIEW_BANDS.length];
    ctx.fillRect(x1, AXIS_PX + 2, x2 - x1 - 1, VIEW_STRIP_PX - 4);
    // Too narrow for even "v1": no label to measure (thousands of views would cost a measure each).
    if (x2 - x1 < 16) continue;
    ctx.fillStyle = '#0f172a';
    const label = `view ${band.view} · primary r${band.primary}`;
    const short = `v${band.view}`;
    const text = ctx.measureText(label).width + 8 < x2 - x1 ? label : ctx.measureText(short).width + 6 < x2 - x1 ? short : '';
    ctx.fillText(text, x1 + 4, AXIS_PX + VIEW_STRIP_PX / 2);
  }
  ctx.restore();
  ctx.strokeStyle = '#cbd5e1';
  ctx.beginPath();
  ctx.moveTo(0, AXIS_PX + VIEW_STRIP_PX - 0.5);
  ctx.lineTo(width, AXIS_PX + VIEW_STRIP_PX - 0.5);
  ctx.moveTo(GUTTER_PX - 0.5, 0);
  ctx.lineTo(GUTTER_PX - 0.5, height);
  ctx.stroke();
  ctx.fillStyle = '#64748b';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText('time →', 8, AXIS_PX / 2);
  ctx.fillText('views', 8, AXIS_PX + VIEW_STRIP_PX / 2);
  drawGutter(ctx, scene);
}

function drawGutter(ctx, scene) {
  const { run, layout, filters, spans, win } = scene;
  const middleMs = (win.startMs + win.endMs) / 2;
  const primaryNow = new Set(spans.primaries.filter((span) => span.startMs <= middleMs && middleMs < span.endMs).map((span) => span.lane));
  ctx.textBaseline = 'middle';
  for (const lane of scene.rows) {
    const info = run.lanes[lane];
    const top = layout.laneTop[lane];
    const height = layout.laneHeight[lane];
    if (filters.focusLane === lane) {
      ctx.fillStyle = '#fef9c3';
      ctx.fillRect(0, top, GUTTER_PX - 1, height);
    }
    const big = info.kind === 'replica';
    const y = layout.middle[lane];
    const notes = [];
    if (info.faulty) notes.push([FAULTY_COLOUR, `faulty: ${info.faulty.adversary}`]);
    if (primaryNow.has(lane)) notes.push([PRIMARY_COLOUR_TEXT, '★ primary']);
    const roomy = height >= 14 + notes.length * 12;
    ctx.fillStyle = info.faulty ? FAULTY_COLOUR : '#0f172a';
    ctx.font = `${big ? 600 : 500} ${big ? 13 : Math.min(12, Math.max(8, height - 2))}px system-ui, sans-serif`;
    const name = info.kind === 'replica' ? `replica ${info.index}` : `client ${info.index}`;
    const shown = roomy ? notes : [];
    ctx.fillText(height >= 14 ? name : `${info.id}${info.faulty ? ' ☠' : ''}`, 10, y - shown.length * 6);
    ctx.font = '10px system-ui, sans-serif';
    shown.forEach(([colour, text], k) => {
      ctx.fillStyle = colour;
      ctx.fillText(text.length > 22 ? `${text.slice(0, 21)}…` : text, 10, y - shown.length * 6 + 13 + k * 12);
    });
  }
}
