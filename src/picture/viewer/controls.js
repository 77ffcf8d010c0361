// Browser side: the toolbar. Message types as coloured chips that double as the legend (click
// toggles one, double-click shows it alone), the view and sequence-number filters, what to
// show (everything, only lost or dropped messages, only faulty lanes' messages), which lanes
// and which lane to focus on, which event glyphs to draw, and zoom buttons.
import { el } from './panel.js';
import { EVENT_GROUPS, countByType, viewsOf } from './filters.js';

const VIEWS_LISTED_MAX = 1000;
const EVENT_GROUP_LABELS = { execute: 'executions', checkpoint: 'checkpoints', views: 'view changes', faults: 'faults', adversary: 'adversary' };

export function buildToolbar(root, run, filters, changed, zoom) {
  const counts = countByType(run);
  const chips = el('div', { class: 'chips', role: 'group', 'aria-label': 'message types' });
  const chipOf = [];
  const refreshChips = () => chipOf.forEach(([chip, t]) => chip.setAttribute('aria-pressed', String(filters.types[t] === 1)));
  run.types.forEach((type, t) => {
    if (counts[t] === 0) return;
    const chip = el('button', { class: 'chip toggle', 'data-type': type.name, style: `--c:${type.colour}`, title: 'click: show or hide; double-click: this type alone' }, type.label, el('small', null, ` ${counts[t].toLocaleString('en')}`));
    chip.addEventListener('click', () => {
      filters.types[t] ^= 1;
      refreshChips();
      changed();
    });
    chip.addEventListener('dblclick', () => {
      const alone = filters.types.every((on, u) => (u === t) === (on === 1));
      filters.types.fill(alone ? 1 : 0);
      filters.types[t] = 1;
      refreshChips();
      changed();
    });
    chipOf.push([chip, t]);
    chips.append(chip);
  });
  refreshChips();

  const viewSelect = el('select', { id: 'filter-view', 'aria-label': 'view' }, el('option', { value: '' }, 'all views'));
  const primaries = new Map(run.header.views.map((band) => [band.view, band.primary]));
  // The lowest views, up to a bound: a faulty replica can claim a different view in every message.
  const views = viewsOf(run);
  for (const view of views.slice(0, VIEWS_LISTED_MAX)) viewSelect.append(el('option', { value: String(view) }, `view ${view}${primaries.has(view) ? ` (primary r${primaries.get(view)})` : ''}`));
  if (views.length > VIEWS_LISTED_MAX) viewSelect.append(el('option', { value: '', disabled: '' }, `… and ${(views.length - VIEWS_LISTED_MAX).toLocaleString('en')} more views`));
  viewSelect.addEventListener('change', () => {
    filters.view = viewSelect.value === '' ? null : Number(viewSelect.value);
    changed();
  });

  const seqInput = (id, label, key) => {
    const input = el('input', { id, type: 'number', min: '0', step: '1', placeholder: label, 'aria-label': `sequence number ${label}` });
    input.addEventListener('input', () => {
      const value = input.value.trim() === '' ? null : Math.floor(Number(input.value));
      filters[key] = Number.isFinite(value) && value !== null && value >= 0 ? value : null;
      changed();
    });
    return input;
  };

  const show = el('select', { id: 'filter-show', 'aria-label': 'show' }, el('option', { value: 'all' }, 'all messages'), el('option', { value: 'problems' }, 'lost or dropped'), el('option', { value: 'faulty' }, 'from faulty lanes'));
  show.addEventListener('change', () => {
    filters.show = show.value;
    changed();
  });

  const events = el('div', { class: 'chips events', role: 'group', 'aria-label': 'events' });
  for (const group of Object.keys(EVENT_GROUPS)) {
    const chip = el('button', { class: 'chip toggle plain', 'data-events': group, 'aria-pressed': String(filters.eventGroups[group]) }, EVENT_GROUP_LABELS[group]);
    chip.addEventListener('click', () => {
      filters.eventGroups[group] = !filters.eventGroups[group];
      chip.setAttribute('aria-pressed', String(filters.eventGroups[group]));
      changed();
    });
    events.append(chip);
  }

  root.replaceChildren(
    el(
      'div',
      { class: 'row' },
      el('span', { class: 'label' }, 'Messages'),
      chips,
      el('button', { onclick: () => zoom(0.5), title: 'zoom in (+)' }, '+'),
      el('button', { onclick: () => zoom(2), title: 'zoom out (−)' }, '−'),
      el('button', { onclick: () => zoom(0), title: 'the whole run (0)' }, 'Fit'),
    ),
    el(
      'div',
      { class: 'row' },
      el('span', { class: 'label' }, 'Filter'),
      viewSelect,
      el('span', { class: 'seq' }, 'seq ', seqInput('filter-seq-min', 'from', 'seqMin'), ' – ', seqInput('filter-seq-max', 'to', 'seqMax')),
      show,
      laneMenu(run, filters, changed),
      el('span', { class: 'label gap' }, 'Events'),
      events,
    ),
  );
}

function laneMenu(run, filters, changed) {
  const summary = el('summary', null);
  const boxes = [];
  const refresh = () => {
    boxes.forEach(([box, lane]) => (box.checked = filters.lanes[lane] === 1));
    summary.textContent = `Lanes ${filters.lanes.reduce((a, b) => a + b, 0)}/${run.lanes.length}`;
  };
  const grid = el('div', { class: 'lane-grid' });
  run.lanes.forEach((lane, i) => {
    const box = el('input', { type: 'checkbox', 'data-lane': lane.id });
    box.addEventListener('change', () => {
      filters.lanes[i] = box.checked ? 1 : 0;
      if (!box.checked && filters.focusLane === i) filters.focusLane = -1;
      refresh();
      changed();
    });
    boxes.push([box, i]);
    grid.append(el('label', null, box, ` ${lane.id}`));
  });
  const only = (kind) => () => {
    run.lanes.forEach((lane, i) => (filters.lanes[i] = kind === 'all' || lane.kind === kind ? 1 : 0));
    refresh();
    changed();
  };
  refresh();
  return el(
    'details',
    { class: 'lanes' },
    summary,
    el('div', { class: 'menu' }, el('div', null, el('button', { onclick: only('all') }, 'all'), el('button', { onclick: only('replica') }, 'replicas only'), el('button', { onclick: only('client') }, 'clients only')), grid, el('p', { class: 'hint' }, 'Click a lane’s name on the left to see only the messages it sent or received.')),
  );
}
