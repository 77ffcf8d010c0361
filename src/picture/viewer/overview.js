// Browser side: the whole run in one strip under the plot, so a user zoomed into a few
// milliseconds of a 100-second run still sees where they are. Message density (counted once
// at load), view changes, violations and offending operations, and the window as a frame
// that a drag moves or redraws.
import { timeToX } from './scale.js';
import { GUTTER_PX } from './layout.js';

export function overviewData(run) {
  const { startMs, endMs } = run.extentMs;
  // Fine columns for a long run, coarse ones for a short run so its few messages still show.
  const buckets = Math.round(Math.min(1000, Math.max(60, run.m.count / 6)));
  const counts = new Float64Array(buckets);
  const width = (endMs - startMs) / buckets;
  for (let i = 0; i < run.m.count; i++) counts[Math.min(buckets - 1, Math.max(0, Math.floor((run.m.sent[i] - startMs) / width)))]++;
  const offending = [];
  for (let i = 0; i < run.o.count; i++) if ((run.o.flags[i] & 2) !== 0) offending.push(run.o.call[i]);
  return { counts, peak: Math.max(1, ...counts), offending };
}

/** The plot rectangle of the overview canvas: the same columns as the main plot's gutter. */
export function overviewPlot(width, height) {
  return { x: GUTTER_PX, y: 0, width: Math.max(10, width - GUTTER_PX - 8), height };
}

export function drawOverview(ctx, scene, overview, width, height) {
  const { run, win, strip } = scene;
  const plot = overviewPlot(width, height);
  const whole = run.extentMs;
  ctx.fillStyle = '#f8fafc';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#64748b';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText('whole run', 10, height / 2);
  const { counts, peak } = overview;
  ctx.fillStyle = '#93c5fd';
  ctx.beginPath();
  ctx.moveTo(plot.x, height);
  for (let b = 0; b < counts.length; b++) ctx.lineTo(plot.x + ((b + 0.5) / counts.length) * plot.width, height - 3 - (Math.sqrt(counts[b] / peak) * (height - 8)));
  ctx.lineTo(plot.x + plot.width, height);
  ctx.closePath();
  ctx.fill();
  const mark = (ms, colour, top) => {
    ctx.fillStyle = colour;
    ctx.fillRect(Math.round(timeToX(whole, plot, ms)) - 1, top, 2, height - top);
  };
  for (const band of strip) if (band.startMs > whole.startMs) mark(band.startMs, '#db2777', 0);
  for (const ms of overview.offending) mark(ms, '#dc2626', height / 2);
  for (const violation of run.header.verdict.violations ?? []) if (Number.isFinite(violation.atMs)) mark(violation.atMs, '#dc2626', 0);
  const x1 = Math.max(plot.x, timeToX(whole, plot, win.startMs));
  const x2 = Math.min(plot.x + plot.width, timeToX(whole, plot, win.endMs));
  ctx.fillStyle = 'rgba(15,23,42,0.08)';
  ctx.fillRect(x1, 0, Math.max(2, x2 - x1), height);
  ctx.strokeStyle = '#0f172a';
  ctx.lineWidth = 1.5;
  ctx.strokeRect(x1 + 0.5, 1, Math.max(2, x2 - x1 - 1), height - 2);
}
