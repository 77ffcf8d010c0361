// Browser side: the pointer and the keyboard. On the plot: wheel zooms around the pointer
// (shift-wheel or a sideways swipe pans), drag pans, shift-drag zooms to the stretch dragged
// over, double-click zooms in, click selects what is under the pointer (on a lane's name:
// focuses that lane's messages), hovering shows a tooltip. On the overview: drag the frame to
// move the window, drag elsewhere to choose a new one, click to centre. Keys: + and - zoom,
// the arrows pan, 0 fits the whole run, Escape clears the selection.
import { hitTest } from './hit.js';
import { laneAt, GUTTER_PX } from './layout.js';
import { overviewPlot } from './overview.js';
import { fitWindow, panWindow, timeToX, xToTime, zoomWindow } from './scale.js';

const CLICK_SLOP_PX = 4;

/** The event's point on `canvas`; on the plot, in the lanes' coordinates (main.js: the canvas stays in view while the lanes scroll under it). */
function localPoint(canvas, event) {
  const box = canvas.getBoundingClientRect();
  const scrolled = canvas.id === 'plot' ? canvas.parentElement.scrollTop : 0;
  return { x: event.clientX - box.left, y: event.clientY - box.top + scrolled };
}

export function attachInteractions(app) {
  const { run, state, plotCanvas, overviewCanvas } = app;
  const tooltip = document.getElementById('tooltip');
  let drag = null;

  plotCanvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    plotCanvas.setPointerCapture(event.pointerId);
    const p = localPoint(plotCanvas, event);
    drag = { start: p, last: p, brush: event.shiftKey, moved: false };
  });
  plotCanvas.addEventListener('pointermove', (event) => {
    const p = localPoint(plotCanvas, event);
    if (drag !== null) {
      if (Math.hypot(p.x - drag.start.x, p.y - drag.start.y) > CLICK_SLOP_PX) drag.moved = true;
      if (drag.moved && !drag.brush) {
        const plot = state.layout.plot;
        const deltaMs = ((drag.last.x - p.x) / plot.width) * (state.win.endMs - state.win.startMs);
        app.setWindow(panWindow(state.win, run.extentMs, deltaMs));
      }
      if (drag.brush) showBrush(drag.start.x, p.x);
      drag.last = p;
      return;
    }
    hover(p, event);
  });
  plotCanvas.addEventListener('pointerup', (event) => {
    if (drag === null) return;
    const p = localPoint(plotCanvas, event);
    const wasDrag = drag;
    drag = null;
    hideBrush();
    if (wasDrag.brush && wasDrag.moved) {
      const a = xToTime(state.win, state.layout.plot, Math.min(wasDrag.start.x, p.x));
      const b = xToTime(state.win, state.layout.plot, Math.max(wasDrag.start.x, p.x));
      if (b - a > 0.001) app.setWindow({ startMs: a, endMs: b });
      return;
    }
    if (!wasDrag.moved) click(p);
  });
  plotCanvas.addEventListener('pointerleave', () => {
    tooltip.hidden = true;
    if (state.hover !== null) {
      state.hover = null;
      app.setWindow(state.win);
    }
  });
  plotCanvas.addEventListener('dblclick', (event) => {
    const p = localPoint(plotCanvas, event);
    if (p.x < GUTTER_PX) return;
    app.setWindow(zoomWindow(state.win, run.extentMs, xToTime(state.win, state.layout.plot, p.x), 0.5));
  });
  plotCanvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const p = localPoint(plotCanvas, event);
      const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
      const sideways = event.shiftKey ? event.deltaY + event.deltaX : event.deltaX;
      if (Math.abs(sideways) > Math.abs(event.shiftKey ? 0 : event.deltaY)) {
        const deltaMs = ((sideways * unit) / state.layout.plot.width) * (state.win.endMs - state.win.startMs);
        app.setWindow(panWindow(state.win, run.extentMs, deltaMs));
      } else {
        const anchor = xToTime(state.win, state.layout.plot, Math.max(state.layout.plot.x, p.x));
        app.setWindow(zoomWindow(state.win, run.extentMs, anchor, Math.exp(event.deltaY * unit * 0.0015)));
      }
    },
    { passive: false },
  );

  function click(p) {
    if (p.x < GUTTER_PX) {
      const lane = laneAt(state.layout, p.y);
      app.filters.focusLane = lane === app.filters.focusLane ? -1 : lane;
      app.filtersChanged();
      return;
    }
    app.select(hitTest(app.scene(), state.drawn, p.x, p.y));
  }

  function hover(p, event) {
    const hit = p.x >= GUTTER_PX ? hitTest(app.scene(), state.drawn, p.x, p.y) : null;
    const text = hit === null ? '' : describe(hit);
    tooltip.hidden = text === '';
    if (text !== '') {
      tooltip.textContent = text;
      tooltip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8)}px`;
      tooltip.style.top = `${event.clientY + 16}px`;
    }
    const same = (a, b) => (a === null ? b === null : b !== null && a.kind === b.kind && a.index === b.index);
    const hovered = hit !== null && (hit.kind === 'message' || hit.kind === 'density') ? hit : null;
    if (!same(hovered, state.hover)) {
      state.hover = hovered;
      app.setWindow(state.win);
    }
    plotCanvas.style.cursor = hit === null ? 'grab' : 'pointer';
  }

  function describe(hit) {
    const s = run.strings;
    switch (hit.kind) {
      case 'message':
        return `${run.lanes[run.m.from[hit.index]].id} → ${run.lanes[run.m.to[hit.index]].id}  ${s[run.m.text[hit.index]]}`;
      case 'density': {
        const d = hit.fields;
        return `${run.lanes[d.lane].id} sent ${d.messages}: ${d.perType.map(([t, n]) => `${n} ${run.types[t].label}`).join(', ')}`;
      }
      case 'operation':
        return `${run.lanes[run.o.lane[hit.index]].id}: ${s[run.o.operation[hit.index]]}${run.o.result[hit.index] ? ` → ${s[run.o.result[hit.index] - 1]}` : ' (never returned)'}`;
      case 'event':
        return `${run.lanes[run.e.lane[hit.index]].id} ${s[run.e.kind[hit.index]]}: ${s[run.e.text[hit.index]]}`;
      case 'evidence': {
        const item = run.header.evidence[hit.index];
        return `evidence: replica ${item.culprit} signed two ${item.kind}s`;
      }
      default:
        return '';
    }
  }

  const brush = document.getElementById('brush');
  function showBrush(x1, x2) {
    brush.hidden = false;
    brush.style.left = `${Math.min(x1, x2)}px`;
    brush.style.width = `${Math.abs(x2 - x1)}px`;
  }
  function hideBrush() {
    brush.hidden = true;
  }

  attachOverview(app, overviewCanvas);

  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const span = state.win.endMs - state.win.startMs;
    if (event.key === '+' || event.key === '=') app.zoom(0.5);
    else if (event.key === '-' || event.key === '_') app.zoom(2);
    else if (event.key === '0' || event.key === 'Home') app.setWindow(fitWindow(run.extentMs));
    else if (event.key === 'ArrowLeft') app.setWindow(panWindow(state.win, run.extentMs, -span * 0.2));
    else if (event.key === 'ArrowRight') app.setWindow(panWindow(state.win, run.extentMs, span * 0.2));
    else if (event.key === 'Escape') app.select(null);
    else return;
    event.preventDefault();
  });
}

function attachOverview(app, canvas) {
  const { run, state } = app;
  let drag = null;
  const timeAt = (x) => xToTime(run.extentMs, overviewPlot(canvas.clientWidth, canvas.clientHeight), x);
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    const { x } = localPoint(canvas, event);
    const plot = overviewPlot(canvas.clientWidth, canvas.clientHeight);
    const inFrame = x >= timeToX(run.extentMs, plot, state.win.startMs) - 3 && x <= timeToX(run.extentMs, plot, state.win.endMs) + 3;
    drag = { x, inFrame, win: { ...state.win }, moved: false };
  });
  canvas.addEventListener('pointermove', (event) => {
    if (drag === null) return;
    const { x } = localPoint(canvas, event);
    if (Math.abs(x - drag.x) > CLICK_SLOP_PX) drag.moved = true;
    if (!drag.moved) return;
    if (drag.inFrame) app.setWindow(panWindow(drag.win, run.extentMs, timeAt(x) - timeAt(drag.x)));
    else app.setWindow({ startMs: timeAt(Math.min(x, drag.x)), endMs: Math.max(timeAt(Math.max(x, drag.x)), timeAt(Math.min(x, drag.x)) + 0.01) });
  });
  canvas.addEventListener('pointerup', (event) => {
    if (drag !== null && !drag.moved) {
      const span = state.win.endMs - state.win.startMs;
      const centre = timeAt(localPoint(canvas, event).x);
      app.setWindow(panWindow(state.win, run.extentMs, centre - span / 2 - state.win.startMs));
    }
    drag = null;
  });
}
