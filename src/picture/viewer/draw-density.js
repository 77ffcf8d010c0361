// Browser side: the run zoomed out. When more messages are in view than arrows can show
// apart (ARROW_LIMIT), the commonest types are drawn as density instead: on each sender's
// lane, per column of DENSITY_PX pixels, a stacked bar of how many messages of each type it
// sent then (height by the square root of the count, so quiet stretches still show),
// with a red mark on top where some were lost or dropped. The rarer types (a view change's
// VIEW-CHANGE and NEW-VIEW, checkpoints) stay arrows over it, so they stand out at any zoom.
// The cost of a redraw is bounded by the messages in view and the plot's size, and the
// picture stays readable: a 100-second run at a glance, lane by lane.
import { timeToX } from './scale.js';

export const ARROW_LIMIT = 8000;
const DENSITY_PX = 2;

/**
 * Splits the `count` visible messages: the types kept as arrows (rarest first, up to half the
 * limit) go to `arrows`; returns how many, and per type whether it is drawn as density
 * (null when everything fits as arrows).
 */
export function splitMessages(run, indices, count, arrows) {
  const m = run.m;
  if (count <= ARROW_LIMIT) {
    arrows.set(indices.subarray(0, count));
    return { arrowCount: count, dense: null };
  }
  const perType = new Uint32Array(run.types.length);
  for (let k = 0; k < count; k++) perType[m.type[indices[k]]]++;
  const dense = Uint8Array.from(perType, (n) => (n > 0 ? 1 : 0));
  let kept = 0;
  const rarestFirst = [...perType.keys()].filter((t) => perType[t] > 0).sort((a, b) => perType[a] - perType[b] || a - b);
  for (const t of rarestFirst) {
    if (kept + perType[t] > ARROW_LIMIT / 2) break;
    dense[t] = 0;
    kept += perType[t];
  }
  let arrowCount = 0;
  for (let k = 0; k < count; k++) if (dense[m.type[indices[k]]] === 0) arrows[arrowCount++] = indices[k];
  return { arrowCount, dense };
}

/** Per (lane, column, type) counts of the dense types' messages sent in the window. */
export function densityOf(run, layout, win, indices, count, dense, cache) {
  const m = run.m;
  const types = run.types.length;
  const columns = Math.max(1, Math.ceil(layout.plot.width / DENSITY_PX));
  const cells = run.lanes.length * columns;
  if (cache.counts === undefined || cache.counts.length < cells * types) {
    cache.counts = new Float32Array(cells * types);
    cache.totals = new Float32Array(cells);
    cache.troubled = new Float32Array(cells);
  }
  const { counts, totals, troubled } = cache;
  counts.fill(0, 0, cells * types);
  totals.fill(0, 0, cells);
  troubled.fill(0, 0, cells);
  let aggregated = 0;
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    if (dense[m.type[i]] === 0) continue;
    aggregated++;
    const column = Math.floor((timeToX(win, layout.plot, m.sent[i]) - layout.plot.x) / DENSITY_PX);
    if (column < 0 || column >= columns) continue;
    const cell = m.from[i] * columns + column;
    counts[cell * types + m.type[i]]++;
    totals[cell]++;
    if (m.lost[i] !== 0 || m.dropped[i] !== 0) troubled[cell]++;
  }
  // Replicas and clients each get their own scale: a replica sends many times what a client does.
  const peak = { replica: 1, client: 1 };
  for (let lane = 0; lane < run.lanes.length; lane++) {
    const kind = run.lanes[lane].kind === 'replica' ? 'replica' : 'client';
    for (let c = 0; c < columns; c++) peak[kind] = Math.max(peak[kind], totals[lane * columns + c]);
  }
  return { columns, counts, totals, troubled, peak, aggregated, dense };
}

/** The height of lane `lane`'s bar in `column`, in pixels, and the lane's baseline. */
function barOf(run, layout, density, lane, column) {
  const height = layout.laneHeight[lane] * 0.84;
  const peak = density.peak[run.lanes[lane].kind === 'replica' ? 'replica' : 'client'];
  return { base: layout.laneTop[lane] + layout.laneHeight[lane] * 0.92, height: height * Math.sqrt(density.totals[lane * density.columns + column] / peak) };
}

export function drawDensity(ctx, scene, density) {
  const { run, layout } = scene;
  const { columns, counts, totals, troubled } = density;
  const types = run.types.length;
  const stacked = new Float32Array(run.lanes.length * columns);
  ctx.globalAlpha = 0.9;
  for (let t = 0; t < types; t++) {
    if (density.dense[t] === 0) continue;
    ctx.fillStyle = run.types[t].colour;
    ctx.beginPath();
    for (const lane of layout.order) {
      for (let c = 0; c < columns; c++) {
        const cell = lane * columns + c;
        const n = counts[cell * types + t];
        if (n === 0) continue;
        const { base, height } = barOf(run, layout, density, lane, c);
        const h = (height * n) / totals[cell];
        ctx.rect(layout.plot.x + c * DENSITY_PX, base - stacked[cell] - h, DENSITY_PX, h);
        stacked[cell] += h;
      }
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#dc2626';
  ctx.beginPath();
  for (const lane of layout.order) {
    for (let c = 0; c < columns; c++) {
      if (troubled[lane * columns + c] === 0) continue;
      const { base } = barOf(run, layout, density, lane, c);
      ctx.rect(layout.plot.x + c * DENSITY_PX, base - stacked[lane * columns + c] - 3, DENSITY_PX, 2);
    }
  }
  ctx.fill();
}

/** The density column under (x, y) as { lane, column }, or null. */
export function densityAt(run, layout, density, lane, x) {
  if (lane < 0) return null;
  const column = Math.floor((x - layout.plot.x) / DENSITY_PX);
  if (column < 0 || column >= density.columns || density.totals[lane * density.columns + column] === 0) return null;
  return { lane, column };
}

/** What the column stands for: its time span and its counts by type. */
export function densityFields(run, layout, win, density, lane, column) {
  const types = run.types.length;
  const cell = lane * density.columns + column;
  const perType = [];
  for (let t = 0; t < types; t++) if (density.counts[cell * types + t] > 0) perType.push([t, density.counts[cell * types + t]]);
  const startMs = win.startMs + ((column * DENSITY_PX) / layout.plot.width) * (win.endMs - win.startMs);
  const endMs = win.startMs + (((column + 1) * DENSITY_PX) / layout.plot.width) * (win.endMs - win.startMs);
  return { lane, startMs, endMs, messages: density.totals[cell], troubled: density.troubled[cell], perType };
}

/** The column's outline, for the hovered or selected one. */
export function densityBox(run, layout, density, lane, column) {
  const { base, height } = barOf(run, layout, density, lane, column);
  return [layout.plot.x + column * DENSITY_PX, base - height, DENSITY_PX, height];
}
