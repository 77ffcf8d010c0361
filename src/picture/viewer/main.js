// Browser side: the page's entry. Reads the payload, builds the typed arrays once, lays out
// the lanes, and redraws the plot when the window, the filters or the size change. It also
// exposes window.__picture, which the browser tests and the bench read: whether the page is
// ready, what the last redraw drew, and a way to set the window and find a message on screen.
import { decodeRun, readPayload, EVENT_KINDS } from './data.js';
import { defaultFilters, eventKindMask, messageMask } from './filters.js';
import { layoutLanes } from './layout.js';
import { laneSpans, viewStrip, replicaLane } from './lane-spans.js';
import { drawFrame, drawLaneRows, drawViolations } from './draw-lanes.js';
import { drawArrows, messageSegment, visibleMessages } from './draw-messages.js';
import { densityBox, densityOf, drawDensity, splitMessages } from './draw-density.js';
import { drawEvents, drawEvidence, drawOperations, visibleEvents, visibleOperations } from './draw-marks.js';
import { drawOverview, overviewData } from './overview.js';
import { buildToolbar } from './controls.js';
import { evidenceList, selectionView, sourceView, verdictView } from './panel.js';
import { fitWindow, zoomWindow } from './scale.js';
import { attachInteractions } from './interact.js';
import { hitTest } from './hit.js';

export async function startViewer() {
  const api = { ready: false, error: null };
  window.__picture = api;
  try {
    const buffer = await readPayload(document.getElementById('run-data').textContent.trim());
    const run = decodeRun(buffer);
    const app = createApp(run);
    Object.assign(api, app.api);
    app.resize();
    api.ready = true;
    document.body.dataset.ready = 'true';
  } catch (error) {
    api.error = String(error && error.stack ? error.stack : error);
    document.getElementById('status').textContent = `This page could not read its run: ${error}`;
    throw error;
  }
}

function createApp(run) {
  const plotCanvas = document.getElementById('plot');
  const overviewCanvas = document.getElementById('overview');
  const wrap = document.getElementById('plot-wrap');
  const rest = document.getElementById('plot-rest');
  const filters = defaultFilters(run);
  const spans = laneSpans(run);
  const overview = overviewData(run);
  const scratch = { messages: new Int32Array(run.m.count), arrows: new Int32Array(run.m.count), events: new Int32Array(run.e.count), density: {} };
  const state = {
    win: fitWindow(run.extentMs),
    mask: messageMask(run, filters),
    kindMask: eventKindMask(filters, EVENT_KINDS),
    layout: null,
    /** The lanes in view, for the per-lane drawing (set by each redraw). */
    rows: [],
    size: { width: 0, height: 0, viewHeight: 0, overviewHeight: 0 },
    selection: null,
    hover: null,
    drawn: null,
    stats: null,
  };
  // Once, not per redraw: scene() is asked for on every pointer move too.
  const strip = viewStrip(run);
  const scene = () => ({ run, layout: state.layout, win: state.win, spans, strip, filters, selection: state.selection, rows: state.rows });
  const culpritLane = (r) => (Number.isInteger(r) ? replicaLane(run, r) : -1);

  // The lanes can be far taller than the window (thousands of clients), and a canvas that
  // tall is slow to paint or, past ~32,000 pixels, not painted at all. So the canvas is the
  // window's height and stays in view (position: sticky), an empty block under it gives the
  // wrapper the lanes' full height to scroll, and each redraw paints the lanes scrolled to.
  function relayout() {
    const width = wrap.clientWidth;
    const available = wrap.clientHeight;
    const probe = layoutLanes(run, filters.lanes, width, available);
    state.layout = layoutLanes(run, filters.lanes, width, Math.max(available, probe.neededHeight));
    // Given more room than the probe, replica lanes grow: the lanes' height is this layout's, or the last clients fall off the end.
    const height = Math.max(available, state.layout.neededHeight);
    state.size.width = width;
    state.size.height = height;
    state.size.viewHeight = available;
    state.size.overviewHeight = overviewCanvas.clientHeight;
    sizeCanvas(plotCanvas, width, available, true);
    rest.style.height = `${height - available}px`;
    // The overview's size is the style sheet's: only its backing store follows it.
    sizeCanvas(overviewCanvas, overviewCanvas.clientWidth, state.size.overviewHeight, false);
  }

  function draw() {
    const started = performance.now();
    const ctx = plotCanvas.getContext('2d', { alpha: false });
    const dpr = window.devicePixelRatio || 1;
    const scrolled = Math.min(wrap.scrollTop, state.size.height - state.size.viewHeight);
    ctx.setTransform(dpr, 0, 0, dpr, 0, -scrolled * dpr);
    // The lanes scrolled to: the rest are off the canvas, and there may be a hundred thousand.
    state.rows = state.layout.order.filter((lane) => state.layout.laneTop[lane] + state.layout.laneHeight[lane] >= scrolled && state.layout.laneTop[lane] <= scrolled + state.size.viewHeight);
    const { width, height } = state.size;
    const s = scene();
    const { plot } = state.layout;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, scrolled, width, state.size.viewHeight);
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.x, plot.y - 2, plot.width, height - plot.y + 2);
    ctx.clip();
    drawLaneRows(ctx, s);
    const operations = drawOperations(ctx, s);
    drawViolations(ctx, s);
    const messageCount = visibleMessages(run, state.mask, state.win, scratch.messages);
    const { arrowCount, dense } = splitMessages(run, scratch.messages, messageCount, scratch.arrows);
    const density = dense === null ? null : densityOf(run, state.layout, state.win, scratch.messages, messageCount, dense, scratch.density);
    if (density !== null) drawDensity(ctx, s, density);
    drawArrows(ctx, run, state.layout, state.win, scratch.arrows, arrowCount);
    drawOperations(ctx, s, true);
    const eventCount = visibleEvents(run, state.win, state.kindMask, state.layout, scratch.events);
    drawEvents(ctx, s, scratch.events, eventCount);
    const evidence = drawEvidence(ctx, s, culpritLane);
    highlight(ctx, state.selection, density, 3.5);
    highlight(ctx, state.hover, density, 2.5);
    ctx.restore();
    drawFrame(ctx, s, width, height);
    const octx = overviewCanvas.getContext('2d');
    octx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawOverview(octx, s, overview, overviewCanvas.clientWidth, state.size.overviewHeight);
    state.drawn = { messages: scratch.arrows, messageCount: arrowCount, density, events: scratch.events, eventCount, operations: visibleOperations(run, state.win), evidence };
    state.stats = {
      lanes: state.layout.order.length,
      mode: density === null ? 'arrows' : 'density',
      arrows: arrowCount,
      messages: messageCount,
      aggregated: density === null ? 0 : density.aggregated,
      operations,
      events: eventCount,
      evidenceFlags: evidence.length,
      // How far a lost message's stub reaches past its send, for a test's own count of what is in view.
      lostStubMs: run.m.stubMs,
      drawMs: performance.now() - started,
      window: { ...state.win },
    };
    document.getElementById('status').textContent =
      density === null
        ? `${messageCount.toLocaleString('en')} messages in view`
        : `${messageCount.toLocaleString('en')} messages in view: ${run.types.filter((_, t) => dense[t] === 1).map((type) => type.label).join(', ')} shown as how many each lane sent (zoom in to see every arrow)`;
  }

  function highlight(ctx, item, density, width) {
    if (item === null) return;
    const segment = new Float64Array(4);
    let colour;
    if (item.kind === 'message' && state.mask[item.index] === 1) {
      messageSegment(run, state.layout, state.win, item.index, segment);
      colour = run.types[run.m.type[item.index]].colour;
    } else if (item.kind === 'density' && density !== null && item === state.hover) {
      const [x, y, w, h] = densityBox(run, state.layout, density, item.fields.lane, item.index % density.columns);
      ctx.strokeStyle = '#0f172a';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x - 1, y - 1, w + 2, h + 2);
      return;
    } else return;
    const [x1, y1, x2, y2] = segment;
    ctx.lineCap = 'round';
    for (const [stroke, w] of [['rgba(255,255,255,0.9)', width + 3], [colour, width]]) {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = w;
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
      ctx.stroke();
    }
    ctx.fillStyle = colour;
    for (const [x, y] of [[x1, y1], [x2, y2]]) ctx.fillRect(x - 3, y - 3, 6, 6);
    ctx.lineCap = 'butt';
  }

  let frame = 0;
  const requestDraw = () => {
    if (frame === 0) frame = requestAnimationFrame(() => ((frame = 0), draw()));
  };
  const setWindow = (win) => {
    state.win = win;
    requestDraw();
  };
  const select = (item) => {
    state.selection = item;
    const panel = document.getElementById('selection');
    panel.replaceChildren(selectionView(run, item, actions));
    // Chosen from a list further down the panel: bring the details into sight.
    if (item !== null) panel.parentElement.scrollIntoView({ block: 'nearest' });
    requestDraw();
  };
  const filtersChanged = () => {
    state.mask = messageMask(run, filters, state.mask);
    state.kindMask = eventKindMask(filters, EVENT_KINDS);
    relayout();
    requestDraw();
  };
  const zoom = (factor) => {
    const mid = (state.win.startMs + state.win.endMs) / 2;
    setWindow(factor === 0 ? fitWindow(run.extentMs) : zoomWindow(state.win, run.extentMs, mid, factor));
  };
  const actions = {
    zoomAround: (ms) => setWindow(zoomWindow({ startMs: ms - 50, endMs: ms + 50 }, run.extentMs, ms, 1)),
    selectOperation: (i) => {
      const pad = Math.max(5, (run.o.end[i] - run.o.call[i]) * 0.5);
      setWindow({ startMs: run.o.call[i] - pad, endMs: run.o.end[i] + pad });
      select({ kind: 'operation', index: i });
    },
    selectEvidence: (index) => {
      const markMs = run.header.evidence[index].markMs;
      if (Number.isFinite(markMs)) setWindow({ startMs: markMs - 40, endMs: markMs + 40 });
      select({ kind: 'evidence', index });
    },
  };

  buildToolbar(document.getElementById('toolbar'), run, filters, filtersChanged, zoom);
  document.getElementById('verdict').replaceChildren(verdictView(run, actions));
  document.getElementById('evidence').replaceChildren(evidenceList(run, actions));
  document.getElementById('run').replaceChildren(sourceView(run));
  select(null);
  attachInteractions({ run, state, filters, plotCanvas, overviewCanvas, scene, setWindow, select, filtersChanged, zoom });
  new ResizeObserver(() => resize()).observe(wrap);
  wrap.addEventListener('scroll', requestDraw, { passive: true });

  function resize() {
    relayout();
    draw();
  }

  let recordToRow = null;
  const api = {
    stats: () => ({ ...state.stats }),
    window: () => ({ ...state.win }),
    /** Sets the window and redraws at once (no frame to wait for). */
    setWindow: (startMs, endMs) => {
      state.win = { startMs, endMs };
      draw();
      return { ...state.stats };
    },
    /** Where the arrow of the record's message `recordIndex` is on screen (its middle), or null. */
    messagePoint: (recordIndex, along = 0.5) => {
      recordToRow ??= invert(run.m.record);
      const i = recordToRow[recordIndex];
      if (i === undefined || !state.drawn.messages.subarray(0, state.drawn.messageCount).includes(i)) return null;
      const [x1, y1, x2, y2] = messageSegment(run, state.layout, state.win, i, new Float64Array(4));
      const box = plotCanvas.getBoundingClientRect();
      return { x: box.left + x1 + (x2 - x1) * along, y: box.top - wrap.scrollTop + y1 + (y2 - y1) * along };
    },
    /** The page point of lane `id`'s name in the left gutter (a click there focuses the lane), or null. */
    lanePoint: (id) => {
      const lane = run.lanes.findIndex((info) => info.id === id);
      if (lane < 0 || Number.isNaN(state.layout.middle[lane])) return null;
      const box = plotCanvas.getBoundingClientRect();
      return { x: box.left + 30, y: box.top - wrap.scrollTop + state.layout.middle[lane] };
    },
    /** What a click at page point (x, y) would select: { kind, index } (a message's index is the record's). */
    hitAt: (x, y) => {
      const box = plotCanvas.getBoundingClientRect();
      const hit = hitTest(scene(), state.drawn, x - box.left, y - box.top + wrap.scrollTop);
      return hit !== null && hit.kind === 'message' ? { kind: 'message', index: run.m.record[hit.index] } : hit;
    },
  };
  return { api, resize };
}

function invert(order) {
  const inverse = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) inverse[order[i]] = i;
  return inverse;
}

function sizeCanvas(canvas, width, height, setStyle) {
  const dpr = window.devicePixelRatio || 1;
  if (setStyle) {
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  canvas.width = Math.max(1, Math.round(width * dpr));
  canvas.height = Math.max(1, Math.round(height * dpr));
}
