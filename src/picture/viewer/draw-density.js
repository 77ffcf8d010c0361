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

/**
 * Per (lane, column, type) counts of the dense types' messages sent in the window, kept for
 * the cells that have any: a dense table of every lane's every column would be lanes x
 * columns x types (ten thousand clients: half a gigabyte), most of it zeros.
 */
export function densityOf(run, layout, win, indices, count, dense, cache) {
  const m = run.m;
  const types = run.types.length;
  const columns = Math.max(1, Math.ceil(layout.plot.width / DENSITY_PX));
  const slotOf = (cache.slotOf ??= new Map());
  slotOf.clear();
  let cells = 0;
  let aggregated = 0;
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    if (dense[m.type[i]] === 0) continue;
    aggregated++;
    const column = Math.floor((timeToX(win, layout.plot, m.sent[i]) - layout.plot.x) / DENSITY_PX);
    if (column < 0 || column >= columns) continue;
    const key = m.from[i] * columns + column;
    let slot = slotOf.get(key);
    if (slot === undefined) {
      slot = cells++;
      slotOf.set(key, slot);
      reserve(cache, cells, types);
      cache.lane[slot] = m.from[i];
      cache.column[slot] = column;
      cache.counts.fill(0, slot * types, cells * types);
      cache.totals[slot] = 0;
      cache.troubled[slot] = 0;
    }
    cache.counts[slot * types + m.type[i]]++;
    cache.totals[slot]++;
    if (m.lost[i] !== 0 || m.dropped[i] !== 0) cache.troubled[slot]++;
  }
  // Replicas and clients each get their own scale: a replica sends many times what a client does.
  const peak = { replica: 1, client: 1 };
  for (let slot = 0; slot < cells; slot++) {
    const kind = run.lanes[cache.lane[slot]].kind === 'replica' ? 'replica' : 'client';
    peak[kind] = Math.max(peak[kind], cache.totals[slot]);
  }
  const { counts, totals, troubled, lane, column } = cache;
  return { columns, cells, slotOf, lane, column, counts, totals, troubled, peak, aggregated, dense };
}

/** Room for `cells` cells in the cache's columns, doubling as needed (kept between redraws). */
function reserve(cache, cells, types) {
  if (cache.totals !== undefined && cache.totals.length >= cells) return;
  const size = Math.max(1024, cells * 2);
  const grow = (old, Type, length) => {
    const next = new Type(length);
    if (old !== undefined) next.set(old);
    return next;
  };
  cache.counts = grow(cache.counts, Float32Array, size * types);
  cache.totals = grow(cache.totals, Float32Array, size);
  cache.troubled = grow(cache.troubled, Float32Array, size);
  cache.lane = grow(cache.lane, Int32Array, size);
  cache.column = grow(cache.column, Int32Array, size);
}

/** The cell of `lane` and `column`, or -1 when nothing was sent there. */
function slotAt(density, lane, column) {
  return density.slotOf.get(lane * density.columns + column) ?? -1;
}

/** The height of the bar of cell `slot`, in pixels, and its lane's baseline. */
function barOf(run, layout, density, slot) {
  const lane = density.lane[slot];
  const height = layout.laneHeight[lane] * 0.84;
  const peak = density.peak[run.lanes[lane].kind === 'replica' ? 'replica' : 'client'];
  return { base: layout.laneTop[lane] + layout.laneHeight[lane] * 0.92, height: height * Math.sqrt(density.totals[slot] / peak) };
}

export function drawDensity(ctx, scene, density) {
  const { run, layout } = scene;
  const { cells, counts, totals, troubled } = density;
  const types = run.types.length;
  const stacked = new Float32Array(cells);
  const x = (slot) => layout.plot.x + density.column[slot] * DENSITY_PX;
  ctx.globalAlpha = 0.9;
  for (let t = 0; t < types; t++) {
    if (density.dense[t] === 0) continue;
    ctx.fillStyle = run.types[t].colour;
    ctx.beginPath();
    for (let slot = 0; slot < cells; slot++) {
      const n = counts[slot * types + t];
      if (n === 0 || Number.isNaN(layout.laneTop[density.lane[slot]])) continue;
      const { base, height } = barOf(run, layout, density, slot);
      const h = (height * n) / totals[slot];
      ctx.rect(x(slot), base - stacked[slot] - h, DENSITY_PX, h);
      stacked[slot] += h;
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#dc2626';
  ctx.beginPath();
  for (let slot = 0; slot < cells; slot++) {
    if (troubled[slot] === 0 || Number.isNaN(layout.laneTop[density.lane[slot]])) continue;
    const { base } = barOf(run, layout, density, slot);
    ctx.rect(x(slot), base - stacked[slot] - 3, DENSITY_PX, 2);
  }
  ctx.fill();
}

/** The density column under (x, y) as { lane, column }, or null. */
export function densityAt(run, layout, density, lane, x) {
  if (lane < 0) return null;
  const column = Math.floor((x - layout.plot.x) / DENSITY_PX);
  if (column < 0 || column >= density.columns || slotAt(density, lane, column) < 0) return null;
  return { lane, column };
}

/** What the column stands for: its time span and its counts by type. */
export function densityFields(run, layout, win, density, lane, column) {
  const types = run.types.length;
  const slot = slotAt(density, lane, column);
  const perType = [];
  if (slot >= 0) for (let t = 0; t < types; t++) if (density.counts[slot * types + t] > 0) perType.push([t, density.counts[slot * types + t]]);
  const startMs = win.startMs + ((column * DENSITY_PX) / layout.plot.width) * (win.endMs - win.startMs);
  const endMs = win.startMs + (((column + 1) * DENSITY_PX) / layout.plot.width) * (win.endMs - win.startMs);
  return { lane, startMs, endMs, messages: slot < 0 ? 0 : density.totals[slot], troubled: slot < 0 ? 0 : density.troubled[slot], perType };
}

/** The column's outline, for the hovered or selected one. */
export function densityBox(run, layout, density, lane, column) {
  const slot = slotAt(density, lane, column);
  if (slot < 0) return [layout.plot.x + column * DENSITY_PX, layout.laneTop[lane] + layout.laneHeight[lane] * 0.92, DENSITY_PX, 0];
  const { base, height } = barOf(run, layout, density, slot);
  return [layout.plot.x + column * DENSITY_PX, base - height, DENSITY_PX, height];
}
