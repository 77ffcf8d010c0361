// Browser side: the side panel. What is selected (a message's decoded fields, signer and
// digest; an operation with its result; an event; an evidence item; a zoomed-out column of messages),
// then the checkers' verdict with the offending operations, the evidence list, and where
// the run came from with the command that replays it. Every string from the record goes in
// as text, never as markup.
import { formatDuration } from './scale.js';

export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === 'onclick') node.addEventListener('click', value);
    else if (name === 'style') node.style.cssText = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function laneName(run, lane) {
  const info = run.lanes[lane];
  if (info === undefined) return '?';
  return `${info.kind === 'replica' ? 'replica' : 'client'} ${info.index}${info.faulty ? ' (faulty)' : ''}`;
}

function rows(pairs) {
  const table = el('dl', { class: 'fields' });
  for (const [name, value, field] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    table.append(el('dt', null, name), el('dd', field ? { 'data-field': field } : null, String(value)));
  }
  return table;
}

function msText(value) {
  return Number.isFinite(value) ? `${value.toFixed(3)} ms` : null;
}

function typeChip(run, type) {
  return el('span', { class: 'chip', style: `--c:${run.types[type].colour}` }, run.types[type].label);
}

export function selectionView(run, selection, actions) {
  if (selection === null) return el('p', { class: 'hint' }, 'Click an arrow, a bar, a glyph or a flag to see what it is. Drag to pan, wheel to zoom, shift-drag to zoom to a stretch.');
  switch (selection.kind) {
    case 'message':
      return messageView(run, selection.index);
    case 'density':
      return densityView(run, selection.fields, actions);
    case 'operation':
      return operationView(run, selection.index);
    case 'event':
      return eventView(run, selection.index);
    case 'evidence':
      return evidenceView(run, selection.index);
    default:
      return null;
  }
}

function messageView(run, i) {
  const m = run.m;
  const s = run.strings;
  const latency = m.received[i] - m.sent[i];
  return el(
    'div',
    { 'data-selected': 'message', 'data-record-index': String(m.record[i]) },
    el('h3', null, typeChip(run, m.type[i]), ` ${laneName(run, m.from[i])} → ${laneName(run, m.to[i])}`),
    el('pre', { class: 'text', 'data-field': 'text' }, s[m.text[i]]),
    rows([
      ['signer', laneName(run, m.signer[i]), 'signer'],
      ['digest', m.digest[i] === 0 ? '—' : s[m.digest[i] - 1], 'digest'],
      ['view', m.view[i] === 0 ? null : m.view[i] - 1, 'view'],
      ['sequence number', m.seq[i] === 0 ? null : m.seq[i] - 1, 'seq'],
      ['sent', msText(m.sent[i]), 'sent'],
      ['arrived', Number.isNaN(m.received[i]) ? null : `${msText(m.received[i])} (after ${formatDuration(latency)})`, 'arrived'],
      ['lost', m.lost[i] === 0 ? null : s[m.lost[i] - 1], 'lost'],
      ['dropped by receiver', m.dropped[i] === 0 ? null : `${s[m.dropped[i] - 1]}${m.dropDetail[i] === 0 ? '' : ` (${s[m.dropDetail[i] - 1]})`}`, 'dropped'],
      ['duplicate', (m.flags[i] & 4) !== 0 ? 'the network delivered this message twice; this is the second copy' : null, 'duplicate'],
      ['sent by a faulty lane', (m.flags[i] & 2) !== 0 ? 'yes' : null, 'faulty'],
    ]),
  );
}

function densityView(run, d, actions) {
  const list = el('ul', { class: 'links' });
  for (const [t, n] of d.perType) list.append(el('li', null, typeChip(run, t), ` ${n}`));
  return el(
    'div',
    { 'data-selected': 'density' },
    el('h3', null, `${d.messages} messages from ${laneName(run, d.lane)}`),
    el('p', null, `sent between ${msText(d.startMs)} and ${msText(d.endMs)}, too many to draw apart at this zoom:`),
    list,
    d.troubled > 0 ? el('p', { class: 'bad' }, `${d.troubled} of them lost or dropped.`) : null,
    el('button', { onclick: () => actions.zoomAround((d.startMs + d.endMs) / 2) }, 'Zoom in here'),
  );
}

function operationView(run, i) {
  const o = run.o;
  const returned = (o.flags[i] & 1) !== 0;
  const offending = (o.flags[i] & 2) !== 0;
  return el(
    'div',
    { 'data-selected': 'operation' },
    el('h3', null, `Operation of ${laneName(run, o.lane[i])}`),
    offending ? el('p', { class: 'bad' }, 'Named by the checker in the violation.') : null,
    el('pre', { class: 'text', 'data-field': 'operation' }, run.strings[o.operation[i]]),
    rows([
      ['result', o.result[i] === 0 ? 'never returned' : run.strings[o.result[i] - 1], 'result'],
      ['called', msText(o.call[i])],
      ['returned', returned ? msText(o.end[i]) : null],
      ['took', returned ? formatDuration(o.end[i] - o.call[i]) : null],
    ]),
  );
}

function eventView(run, i) {
  const e = run.e;
  return el(
    'div',
    { 'data-selected': 'event' },
    el('h3', null, `${run.strings[e.kind[i]] ?? 'event'} on ${laneName(run, e.lane[i])}`),
    el('pre', { class: 'text', 'data-field': 'text' }, run.strings[e.text[i]]),
    rows([
      ['at', msText(e.at[i])],
      ['until', Number.isNaN(e.until[i]) ? null : msText(e.until[i])],
      ['view', e.view[i] === 0 ? null : e.view[i] - 1],
      ['sequence number', e.seq[i] === 0 ? null : e.seq[i] - 1],
    ]),
  );
}

function evidenceView(run, index) {
  const item = run.header.evidence[index];
  const frames = item.frames ?? [];
  return el(
    'div',
    { 'data-selected': 'evidence' },
    el('h3', null, `Evidence: replica ${item.culprit ?? '?'} signed two ${item.kind ?? 'message'}s`),
    rows([
      ['culprit', item.culprit === undefined ? null : `replica ${item.culprit}`, 'culprit'],
      ['kind', item.kind, 'kind'],
      ['view', item.view],
      ['sequence number', item.seq],
      ['kept by', item.holder === undefined ? null : `replica ${item.holder}`],
      ['kept at', msText(item.atMs)],
    ]),
    ...frames.map((frame, k) => el('pre', { class: 'text frame' }, `frame ${k + 1} (${Math.floor(String(frame).length / 2)} bytes): ${String(frame).slice(0, 96)}${String(frame).length > 96 ? '…' : ''}`)),
    el('button', { onclick: () => navigator.clipboard?.writeText(JSON.stringify(item, null, 2)) }, 'Copy item as JSON'),
  );
}

export function verdictView(run, actions) {
  const verdict = run.header.verdict;
  const box = el('div', { class: verdict.ok ? 'verdict ok' : 'verdict bad', 'data-verdict': verdict.ok ? 'ok' : 'violation' });
  box.append(el('strong', null, verdict.ok ? '✓ Every checker passed' : '✗ A checker failed'));
  if (verdict.linearizability !== undefined) box.append(el('div', null, `linearizability: ${verdict.linearizability}`));
  const list = el('ul', { class: 'links' });
  for (const violation of verdict.violations ?? []) {
    const at = Number.isFinite(violation.atMs) ? ` at ${violation.atMs.toFixed(1)} ms` : '';
    const detail = String(violation.detail ?? '');
    // A checker's detail can run to pages (whole operations as JSON): its first words, and the rest on demand.
    const item = el('li', null, el('b', null, violation.property), at);
    if (Number.isFinite(violation.atMs)) item.append(' ', el('a', { href: '#', onclick: (event) => (event.preventDefault(), actions.zoomAround(violation.atMs)) }, 'show'));
    item.append(detail.length <= 140 ? el('div', { class: 'detail' }, detail) : el('details', { class: 'detail' }, el('summary', null, `${detail.slice(0, 120)}…`), detail));
    list.append(item);
  }
  if (list.childElementCount > 0) box.append(list);
  const offending = [];
  for (let i = 0; i < run.o.count && offending.length < 100; i++) if ((run.o.flags[i] & 2) !== 0) offending.push(i);
  if (offending.length > 0) {
    box.append(el('div', { class: 'sub' }, 'Offending operations:'));
    const ops = el('ul', { class: 'links' });
    for (const i of offending) {
      ops.append(el('li', null, el('a', { href: '#', onclick: (event) => (event.preventDefault(), actions.selectOperation(i)) }, `c${run.lanes[run.o.lane[i]]?.index} ${run.strings[run.o.operation[i]]}`)));
    }
    box.append(ops);
  }
  return box;
}

export function evidenceList(run, actions) {
  const items = run.header.evidence;
  if (items.length === 0) return el('p', { class: 'hint' }, 'No evidence of equivocation was kept.');
  const list = el('ul', { class: 'links' });
  items.forEach((item, index) => {
    const slot = [item.view === undefined ? '' : `v${item.view}`, item.seq === undefined ? '' : `n${item.seq}`].filter(Boolean).join(' ');
    list.append(el('li', null, el('a', { href: '#', onclick: (event) => (event.preventDefault(), actions.selectEvidence(index)) }, `replica ${item.culprit}: two ${item.kind} ${slot}`), item.holder === undefined ? '' : ` (kept by replica ${item.holder})`));
  });
  return list;
}

export function sourceView(run) {
  const h = run.header;
  const source = h.source ?? {};
  const box = el('div', { class: 'source' });
  if (source.kind === 'simulator') {
    box.append(rows([['seed', source.seed], ['scenario', source.scenario]]));
    const command = String(source.replay ?? '');
    box.append(el('div', { class: 'sub' }, 'Replay:'), el('pre', { class: 'text', 'data-field': 'replay' }, command));
    box.append(el('button', { onclick: () => navigator.clipboard?.writeText(command) }, 'Copy command'));
  } else if (source.kind === 'cluster') {
    box.append(rows([['cluster', source.clusterId, 'cluster'], ['logs', (source.logs ?? []).join(', ')]]));
  }
  box.append(rows([['replicas', `n=${h.n}, f=${h.f}`], ['authentication', h.auth], ['messages', run.m.count.toLocaleString('en')], ['operations', run.o.count.toLocaleString('en')], ['run length', formatDuration(h.endMs)]]));
  return box;
}
