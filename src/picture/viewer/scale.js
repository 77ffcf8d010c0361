// Browser side: the time axis. A window [startMs, endMs] maps onto the plot's pixel columns;
// zooming keeps the time under the cursor where it is, and the window never shrinks below
// a few microseconds a pixel nor leaves the run by more than its own width.

export function makeWindow(startMs, endMs) {
  return { startMs, endMs };
}

export function timeToX(win, plot, ms) {
  return plot.x + ((ms - win.startMs) / (win.endMs - win.startMs)) * plot.width;
}

export function xToTime(win, plot, x) {
  return win.startMs + ((x - plot.x) / plot.width) * (win.endMs - win.startMs);
}

/** The window zoomed by `factor` (< 1 zooms in) around time `anchorMs`, kept within the run. */
export function zoomWindow(win, extent, anchorMs, factor) {
  const minSpan = 0.005;
  const maxSpan = (extent.endMs - extent.startMs) * 1.1;
  const span = Math.min(maxSpan, Math.max(minSpan, (win.endMs - win.startMs) * factor));
  const share = (anchorMs - win.startMs) / (win.endMs - win.startMs);
  return clampWindow({ startMs: anchorMs - share * span, endMs: anchorMs - share * span + span }, extent);
}

export function panWindow(win, extent, deltaMs) {
  return clampWindow({ startMs: win.startMs + deltaMs, endMs: win.endMs + deltaMs }, extent);
}

export function clampWindow(win, extent) {
  const span = win.endMs - win.startMs;
  const margin = Math.min(span, extent.endMs - extent.startMs) * 0.5;
  let shift = 0;
  if (win.startMs < extent.startMs - margin) shift = extent.startMs - margin - win.startMs;
  if (win.endMs > extent.endMs + margin) shift = extent.endMs + margin - win.endMs;
  return { startMs: win.startMs + shift, endMs: win.endMs + shift };
}

/** The whole run with a little room either side. */
export function fitWindow(extent) {
  const pad = (extent.endMs - extent.startMs) * 0.01;
  return { startMs: extent.startMs - pad, endMs: extent.endMs + pad };
}

/** Tick times every 1, 2 or 5 times a power of ten, about `pixelsApart` pixels apart. */
export function timeTicks(win, plot, pixelsApart) {
  const span = win.endMs - win.startMs;
  const rough = (span * pixelsApart) / Math.max(1, plot.width);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((k) => k * power).find((s) => s >= rough) ?? 10 * power;
  const ticks = [];
  for (let t = Math.ceil(win.startMs / step) * step; t <= win.endMs && ticks.length < 200; t += step) ticks.push(t);
  return { step, ticks };
}

/** "250 ms", "12.5 s", "1.250 ms": as many decimals as the step needs, no more. */
export function formatTime(ms, stepMs) {
  const step = stepMs ?? 0.001;
  if (Math.abs(ms) >= 1000 && step >= 100) {
    const decimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step / 1000) + 1e-9)));
    return `${(ms / 1000).toFixed(decimals)} s`;
  }
  const decimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step) + 1e-9)));
  return `${ms.toFixed(decimals)} ms`;
}

/** A duration for the side panel: "7.214 ms", "1.52 s". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '—';
  return Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(3)} ms`;
}
