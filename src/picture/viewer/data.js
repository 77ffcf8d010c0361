// Browser side: the payload (viewer/encode.ts) back into typed arrays, once, at load. Every
// later redraw reads these arrays only: messages, events and operations are each sorted by
// time, so what is in view is found by binary search.
//
// Plain JavaScript, no imports from outside this folder: html.ts inlines these files into the
// page, which must work offline and from the installed package.

/** The base64 text of the page's data element, gunzipped, as an ArrayBuffer. */
export async function readPayload(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

const COLUMN_ARRAYS = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array, f64: Float64Array };

function readColumn(buffer, front, entry) {
  const values = new COLUMN_ARRAYS[entry.encoding](buffer, front + entry.offset, entry.count);
  if (!entry.delta) return values;
  const sums = new Float64Array(entry.count);
  let sum = 0;
  for (let i = 0; i < entry.count; i++) sums[i] = sum += values[i];
  return sums;
}

/** Microseconds to milliseconds, in place when the array is already Float64. */
function toMs(values) {
  const ms = values instanceof Float64Array ? values : new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) ms[i] = values[i] / 1000;
  return ms;
}

/** The event kinds the page draws with their own glyph; anything else is drawn as 'other'. */
export const EVENT_KINDS = ['execute', 'checkpoint', 'stable-checkpoint', 'start-view-change', 'enter-view', 'state-transfer', 'state-rollback', 'crash', 'restart', 'voting-resumed', 'evidence', 'adversary', 'silent', 'partition', 'other'];

export function decodeRun(buffer) {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
  if (header.format !== 'pancydb-picture/v1') throw new Error(`unknown payload format ${header.format}`);
  const front = Math.ceil((4 + headerLength) / 8) * 8;
  const column = {};
  for (const entry of header.columns) column[entry.name] = readColumn(buffer, front, entry);
  const run = { header, strings: header.strings, lanes: header.lanes, types: header.types, endMs: header.endMs };
  run.m = messageColumns(column);
  run.e = eventColumns(column, header.strings);
  run.o = operationColumns(column, header);
  run.extentMs = extentOf(run);
  return run;
}

function messageColumns(column) {
  const sent = toMs(column['m.sent']);
  const count = sent.length;
  const latency = column['m.latency'];
  const flags = column['m.flags'];
  const received = new Float64Array(count);
  let maxAfter = 0;
  let maxBefore = 0;
  const latencies = [];
  for (let i = 0; i < count; i++) {
    if ((flags[i] & 1) === 0) {
      received[i] = NaN;
      continue;
    }
    const ms = latency[i] / 1000;
    received[i] = sent[i] + ms;
    if (ms > maxAfter) maxAfter = ms;
    if (-ms > maxBefore) maxBefore = -ms;
    if (latencies.length < 4096) latencies.push(ms);
  }
  latencies.sort((a, b) => a - b);
  // A lost message is drawn as a stub: it leaves towards its receiver for a bit over half a
  // typical delivery, then stops at a cross.
  const stubMs = Math.max(0.5, (latencies[latencies.length >> 1] ?? 5) * 0.6);
  return {
    count,
    from: column['m.from'],
    to: column['m.to'],
    type: column['m.type'],
    sent,
    received,
    flags,
    lost: column['m.lost'],
    dropped: column['m.dropped'],
    dropDetail: column['m.dropDetail'],
    view: column['m.view'],
    seq: column['m.seq'],
    digest: column['m.digest'],
    signer: column['m.signer'],
    text: column['m.text'],
    record: column['m.record'],
    stubMs,
    // How far a message reaches from its send time, either way: the window search margin.
    reachAfterMs: Math.max(maxAfter, stubMs),
    reachBeforeMs: maxBefore,
  };
}

function eventColumns(column, strings) {
  const at = toMs(column['e.at']);
  const kindText = column['e.kind'];
  const kind = new Uint8Array(at.length);
  const other = EVENT_KINDS.indexOf('other');
  for (let i = 0; i < at.length; i++) {
    const code = EVENT_KINDS.indexOf(strings[kindText[i]]);
    kind[i] = code < 0 ? other : code;
  }
  const duration = column['e.duration'];
  const until = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) until[i] = duration[i] === 0 ? NaN : at[i] + (duration[i] - 1) / 1000;
  return { count: at.length, lane: column['e.lane'], at, until, kind, view: column['e.view'], seq: column['e.seq'], text: column['e.text'] };
}

function operationColumns(column, header) {
  const call = toMs(column['o.call']);
  const count = call.length;
  const duration = column['o.duration'];
  const flags = column['o.flags'];
  const lane = column['o.lane'];
  const end = new Float64Array(count);
  const row = new Uint8Array(count);
  const rowEnds = header.lanes.map(() => []);
  const rows = new Uint8Array(header.lanes.length);
  let maxSpan = 0;
  for (let i = 0; i < count; i++) {
    const returned = (flags[i] & 1) !== 0;
    end[i] = returned ? call[i] + duration[i] / 1000 : Math.max(call[i], header.endMs);
    maxSpan = Math.max(maxSpan, end[i] - call[i]);
    // Porcupine's bars: one client's operations normally follow each other; overlapping ones
    // (a Byzantine client, or a retry) get a row of their own below.
    const ends = rowEnds[lane[i]];
    let r = ends.findIndex((e) => e <= call[i]);
    if (r < 0 && ends.length < 4) r = ends.push(0) - 1;
    if (r < 0) r = ends.length - 1;
    ends[r] = end[i];
    row[i] = r;
    rows[lane[i]] = Math.max(rows[lane[i]], r + 1);
  }
  return { count, lane, call, end, flags, operation: column['o.operation'], result: column['o.result'], row, rows, maxSpanMs: maxSpan };
}

function extentOf(run) {
  let last = run.endMs;
  const { m, e, o } = run;
  if (m.count > 0) last = Math.max(last, m.sent[m.count - 1] + m.reachAfterMs);
  if (e.count > 0) last = Math.max(last, e.at[e.count - 1]);
  if (o.count > 0) last = Math.max(last, o.call[o.count - 1]);
  let first = 0;
  if (m.count > 0) first = Math.min(first, m.sent[0] - m.reachBeforeMs);
  if (e.count > 0) first = Math.min(first, e.at[0]);
  return { startMs: first, endMs: Math.max(last, first + 1) };
}

/** The first index whose value is >= target, in an ascending array. */
export function lowerBound(values, target) {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose value is > target, in an ascending array. */
export function upperBound(values, target) {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
