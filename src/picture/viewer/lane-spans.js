// Browser side: the stretches of time each replica lane is painted with, worked out once at
// load: which view the replica was in (from the record's view bands: the moment it entered
// each), when it was that view's primary, when it was changing views (from its
// start-view-change to its next enter-view), when it was down (crash to restart, or to the
// crash's own end), and when the simulator silenced it or cut it off (a fault's own span).
import { EVENT_KINDS } from './data.js';

/** Lane index of replica `r`, or -1. */
export function replicaLane(run, r) {
  return run.lanes.findIndex((lane) => lane.kind === 'replica' && lane.index === r);
}

export function laneSpans(run) {
  const extentEnd = run.extentMs.endMs;
  const views = [];
  const primaries = [];
  for (let lane = 0; lane < run.lanes.length; lane++) {
    if (run.lanes[lane].kind !== 'replica') continue;
    const r = run.lanes[lane].index;
    const entered = run.header.views
      .filter((band) => Number.isFinite(band.entered?.[String(r)]))
      .map((band) => ({ atMs: band.entered[String(r)], view: band.view, primary: band.primary }))
      .sort((a, b) => a.atMs - b.atMs || a.view - b.view);
    entered.forEach((step, k) => {
      const endMs = k + 1 < entered.length ? entered[k + 1].atMs : extentEnd;
      views.push({ lane, view: step.view, startMs: step.atMs, endMs });
      if (step.primary === r) primaries.push({ lane, view: step.view, startMs: step.atMs, endMs });
    });
  }
  return { views, primaries, changing: eventSpans(run, 'start-view-change', ['enter-view']), down: eventSpans(run, 'crash', ['restart']), cut: faultSpans(run, ['silent', 'partition']) };
}

/** Stretches from an `open` event to the same lane's next `close` event (or the run's end). */
function eventSpans(run, open, close) {
  const e = run.e;
  const openCode = eventKindCode(open);
  const closeCodes = close.map(eventKindCode);
  const openAt = new Float64Array(run.lanes.length).fill(NaN);
  const spans = [];
  for (let i = 0; i < e.count; i++) {
    const lane = e.lane[i];
    // A crash that says when it ends is a span of its own.
    if (e.kind[i] === openCode && !Number.isNaN(e.until[i])) spans.push({ lane, startMs: e.at[i], endMs: e.until[i] });
    else if (e.kind[i] === openCode && Number.isNaN(openAt[lane])) openAt[lane] = e.at[i];
    else if (closeCodes.includes(e.kind[i]) && !Number.isNaN(openAt[lane])) {
      spans.push({ lane, startMs: openAt[lane], endMs: e.at[i] });
      openAt[lane] = NaN;
    }
  }
  openAt.forEach((startMs, lane) => {
    if (!Number.isNaN(startMs)) spans.push({ lane, startMs, endMs: run.extentMs.endMs });
  });
  return spans;
}

/** Faults that carry their own end (untilMs), or last to the end of the run. */
function faultSpans(run, kinds) {
  const e = run.e;
  const codes = kinds.map(eventKindCode);
  const spans = [];
  for (let i = 0; i < e.count; i++) {
    if (!codes.includes(e.kind[i])) continue;
    spans.push({ lane: e.lane[i], startMs: e.at[i], endMs: Number.isNaN(e.until[i]) ? run.extentMs.endMs : e.until[i] });
  }
  return spans;
}

function eventKindCode(kind) {
  return EVENT_KINDS.indexOf(kind);
}

/** Each view as one band across the top: from the first replica entering it to the next view's. */
export function viewStrip(run) {
  const bands = run.header.views
    .map((band) => ({ view: band.view, primary: band.primary, startMs: Math.min(...Object.values(band.entered ?? {}).filter(Number.isFinite)) }))
    .filter((band) => Number.isFinite(band.startMs))
    .sort((a, b) => a.startMs - b.startMs || a.view - b.view);
  return bands.map((band, k) => ({ ...band, endMs: k + 1 < bands.length ? bands[k + 1].startMs : run.extentMs.endMs }));
}
