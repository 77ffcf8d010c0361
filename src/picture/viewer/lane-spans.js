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

/**
 * Each view as one band across the top, from the moment f+1 replicas had entered it to the
 * next band's start: f+1 include a correct replica, so one faulty replica claiming to be in
 * view 1000 (a Byzantine replica's log says what it likes) does not move the whole cluster
 * there; its own lane's tint still shows its claim. Computed once, at load.
 */
export function viewStrip(run) {
  const f = run.header.f;
  const quorum = Number.isInteger(f) && f >= 0 ? f + 1 : 1;
  const bands = [];
  for (const band of run.header.views) {
    const times = Object.values(band.entered ?? {}).filter(Number.isFinite);
    if (times.length < quorum) continue;
    times.sort((a, b) => a - b);
    bands.push({ view: band.view, primary: band.primary, startMs: times[quorum - 1] });
  }
  bands.sort((a, b) => a.startMs - b.startMs || a.view - b.view);
  return bands.map((band, k) => ({ ...band, endMs: k + 1 < bands.length ? bands[k + 1].startMs : run.extentMs.endMs }));
}
