// Browser side: which messages the filters let through, as one byte per message computed when
// a filter changes (not on every redraw). A message passes when its type is on, both its
// lanes are shown, it touches the focused lane (if one is), it belongs to the chosen view and
// sequence-number range (a message without a view or a number fails such a filter), and it
// is of the kind asked for (all, lost or dropped only, sent by a faulty lane only).

export function defaultFilters(run) {
  return {
    types: new Uint8Array(run.types.length).fill(1),
    lanes: new Uint8Array(run.lanes.length).fill(1),
    focusLane: -1,
    view: null,
    seqMin: null,
    seqMax: null,
    show: 'all',
    eventGroups: { execute: true, checkpoint: true, views: true, faults: true, adversary: true },
  };
}

/** Event kinds (data.js EVENT_KINDS) by the toolbar group that shows or hides them. */
export const EVENT_GROUPS = {
  execute: ['execute'],
  checkpoint: ['checkpoint', 'stable-checkpoint'],
  views: ['start-view-change', 'enter-view', 'voting-resumed'],
  faults: ['crash', 'restart', 'state-transfer', 'state-rollback', 'evidence', 'silent', 'partition', 'other'],
  adversary: ['adversary'],
};

export function messageMask(run, filters, mask) {
  const m = run.m;
  const out = mask ?? new Uint8Array(m.count);
  const viewPlusOne = filters.view === null ? -1 : filters.view + 1;
  const hasSeq = filters.seqMin !== null || filters.seqMax !== null;
  const seqLow = filters.seqMin === null ? 1 : filters.seqMin + 1;
  const seqHigh = filters.seqMax === null ? Infinity : filters.seqMax + 1;
  const focus = filters.focusLane;
  for (let i = 0; i < m.count; i++) {
    let pass = filters.types[m.type[i]] === 1 && filters.lanes[m.from[i]] === 1 && filters.lanes[m.to[i]] === 1;
    if (pass && focus >= 0) pass = m.from[i] === focus || m.to[i] === focus;
    if (pass && viewPlusOne >= 0) pass = m.view[i] === viewPlusOne;
    if (pass && hasSeq) pass = m.seq[i] >= seqLow && m.seq[i] <= seqHigh;
    if (pass && filters.show === 'problems') pass = m.lost[i] !== 0 || m.dropped[i] !== 0;
    if (pass && filters.show === 'faulty') pass = (m.flags[i] & 2) !== 0;
    out[i] = pass ? 1 : 0;
  }
  return out;
}

/** One byte per event kind: drawn or not, from the toolbar's event groups. */
export function eventKindMask(filters, kinds) {
  const mask = new Uint8Array(kinds.length);
  for (const [group, members] of Object.entries(EVENT_GROUPS)) {
    if (!filters.eventGroups[group]) continue;
    for (const kind of members) mask[kinds.indexOf(kind)] = 1;
  }
  return mask;
}

/** Message counts per type, for the legend's chips. */
export function countByType(run) {
  const counts = new Uint32Array(run.types.length);
  for (let i = 0; i < run.m.count; i++) counts[run.m.type[i]]++;
  return counts;
}

/** The views that occur in the run, for the view filter's list. */
export function viewsOf(run) {
  const seen = new Set(run.header.views.map((band) => band.view));
  for (let i = 0; i < run.m.count; i++) if (run.m.view[i] > 0) seen.add(run.m.view[i] - 1);
  return [...seen].sort((a, b) => a - b);
}
