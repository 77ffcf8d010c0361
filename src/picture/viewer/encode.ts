// The run record as the page carries it: one binary payload that the page turns into typed
// arrays without parsing a number. It starts with a JSON header (lanes, message types and
// their colours, views, verdict, evidence, every string interned once, and a directory of
// the columns), then one column of integers per field: messages, lane events and operations,
// each sorted by time so the page can find what is in view by binary search.
//
// Why columns: a 100-second seed has hundreds of thousands of messages. As JSON objects they
// would make a page of ~100 MB that takes seconds to parse; as narrow integer columns
// (times in microseconds, sorted and stored as differences, indexes as u8/u16) the payload
// gzips to a few bytes a message and loads as typed-array views.
//
// Optional numbers are stored plus one, 0 meaning absent. Times are microseconds, rounded.
import type { LaneId, RunRecord } from '../record.ts';
import { EVENT_COLOURS, MESSAGE_COLOURS, MESSAGE_TYPE_ORDER, messageLabel } from '../palette.ts';

export const PAYLOAD_FORMAT = 'pancydb-picture/v1';

export type ColumnEncoding = 'u8' | 'u16' | 'u32' | 'i32' | 'f64';

export interface ColumnEntry {
  readonly name: string;
  readonly encoding: ColumnEncoding;
  /** Stored as differences from the previous value (times sorted ascending). */
  readonly delta: boolean;
  readonly count: number;
  /** Byte offset in the payload, a multiple of 8. */
  readonly offset: number;
}

/** Message flag bits (column m.flags). */
export const MESSAGE_ARRIVED = 1;
export const MESSAGE_FAULTY = 2;
/** The network's second copy of a message (the simulator's --duplicate). */
export const MESSAGE_DUPLICATE = 4;
/** Operation flag bits (column o.flags). */
export const OPERATION_RETURNED = 1;
export const OPERATION_OFFENDING = 2;

const BYTES: Record<ColumnEncoding, number> = { u8: 1, u16: 2, u32: 4, i32: 4, f64: 8 };

/** Interns strings: the same PREPARE text sent to three replicas is stored once. */
class StringTable {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(text);
      this.ids.set(text, id);
    }
    return id;
  }
  /** id + 1, or 0 for absent. */
  optional(text: string | undefined): number {
    return text === undefined ? 0 : this.id(text) + 1;
  }
}

/** Milliseconds to whole microseconds; what is not a finite number becomes 0. */
function micros(ms: number | undefined): number {
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.round(ms * 1000) : 0;
}

function optionalNumber(value: number | undefined): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value + 1 : 0;
}

/** Indexes 0..count-1 sorted by key, ties in record order (a stable sort). */
function orderBy(count: number, key: (index: number) => number): Uint32Array {
  const keys = Float64Array.from({ length: count }, (_, i) => key(i));
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  return order.sort((a, b) => keys[a]! - keys[b]! || a - b);
}

function encodingFor(values: ArrayLike<number>): ColumnEncoding {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min >= 0 && max < 2 ** 8) return 'u8';
  if (min >= 0 && max < 2 ** 16) return 'u16';
  if (min >= 0 && max < 2 ** 32) return 'u32';
  if (min >= -(2 ** 31) && max < 2 ** 31) return 'i32';
  return 'f64';
}

class ColumnWriter {
  readonly entries: ColumnEntry[] = [];
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  add(name: string, values: ArrayLike<number>, delta = false): void {
    const stored = delta ? Float64Array.from({ length: values.length }, (_, i) => values[i]! - (i === 0 ? 0 : values[i - 1]!)) : values;
    const encoding = encodingFor(stored);
    const bytes = new Uint8Array(Math.ceil((stored.length * BYTES[encoding]) / 8) * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < stored.length; i++) {
      const value = stored[i]!;
      if (encoding === 'u8') view.setUint8(i, value);
      else if (encoding === 'u16') view.setUint16(i * 2, value, true);
      else if (encoding === 'u32') view.setUint32(i * 4, value, true);
      else if (encoding === 'i32') view.setInt32(i * 4, value, true);
      else view.setFloat64(i * 8, value, true);
    }
    this.entries.push({ name, encoding, delta, count: stored.length, offset: this.size });
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** The columns, each at `headerBytes` + its offset once the header is in front. */
  bytes(): Uint8Array {
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }
}

/** Lane ids to column indexes; a message naming a lane the record does not list gets one. */
function laneTable(record: RunRecord) {
  const lanes = record.lanes.map((lane) => ({ id: String(lane.id), kind: lane.kind, index: lane.index, ...(lane.faulty === undefined ? {} : { faulty: lane.faulty }) }));
  const ids = new Map(lanes.map((lane, i) => [lane.id, i]));
  const index = (id: LaneId | string): number => {
    let i = ids.get(String(id));
    if (i === undefined) {
      i = lanes.length;
      const text = String(id);
      lanes.push({ id: text, kind: text.startsWith('c') ? 'client' : 'replica', index: Number(text.slice(1)) || 0 });
      ids.set(text, i);
    }
    return i;
  };
  return { lanes, index };
}

export interface TypeColour {
  readonly name: string;
  readonly label: string;
  readonly colour: string;
}

function typeTable(record: RunRecord) {
  const types: TypeColour[] = MESSAGE_TYPE_ORDER.map((name) => ({ name, label: messageLabel(name), colour: MESSAGE_COLOURS[name] }));
  const ids = new Map<string, number>(types.map((type, i) => [type.name, i]));
  const index = (name: string): number => {
    let i = ids.get(name);
    if (i === undefined) {
      i = types.length;
      types.push({ name, label: name.toUpperCase(), colour: '#6b7280' });
      ids.set(name, i);
    }
    return i;
  };
  for (const message of record.messages) index(message.type);
  return { types, index };
}

/** The payload: a u32 header length, the header's UTF-8 JSON padded to 8 bytes, the columns. */
export function encodeRun(record: RunRecord): Uint8Array {
  const strings = new StringTable();
  const { lanes, index: lane } = laneTable(record);
  const { types, index: type } = typeTable(record);
  const columns = new ColumnWriter();

  const messages = record.messages;
  const mOrder = orderBy(messages.length, (i) => micros(messages[i]!.sentMs));
  const m = [...mOrder].map((i) => messages[i]!);
  const sent = m.map((x) => micros(x.sentMs));
  const arrived = m.map((x) => typeof x.receivedMs === 'number' && Number.isFinite(x.receivedMs));
  columns.add('m.from', m.map((x) => lane(x.from)));
  columns.add('m.to', m.map((x) => lane(x.to)));
  columns.add('m.type', m.map((x) => type(x.type)));
  columns.add('m.sent', sent, true);
  columns.add('m.latency', m.map((x, i) => (arrived[i] ? micros(x.receivedMs) - sent[i]! : 0)));
  columns.add('m.flags', m.map((x, i) => (arrived[i] ? MESSAGE_ARRIVED : 0) | (x.faulty === true ? MESSAGE_FAULTY : 0) | (x.duplicate === true ? MESSAGE_DUPLICATE : 0)));
  columns.add('m.lost', m.map((x, i) => (arrived[i] ? 0 : strings.optional(x.lost ?? 'unknown'))));
  columns.add('m.dropped', m.map((x) => strings.optional(x.dropped)));
  columns.add('m.dropDetail', m.map((x) => strings.optional(x.dropDetail)));
  columns.add('m.view', m.map((x) => optionalNumber(x.view)));
  columns.add('m.seq', m.map((x) => optionalNumber(x.seq)));
  columns.add('m.digest', m.map((x) => strings.optional(x.digest)));
  columns.add('m.signer', m.map((x) => lane(x.signer)));
  columns.add('m.text', m.map((x) => strings.id(String(x.text))));
  // The record's own index of each message, for the page's test hooks (who ask by it).
  columns.add('m.record', mOrder);

  const events = record.events;
  const e = [...orderBy(events.length, (i) => micros(events[i]!.atMs))].map((i) => events[i]!);
  columns.add('e.lane', e.map((x) => lane(x.lane)));
  columns.add('e.at', e.map((x) => micros(x.atMs)), true);
  columns.add('e.kind', e.map((x) => strings.id(x.kind)));
  columns.add('e.view', e.map((x) => optionalNumber(x.view)));
  columns.add('e.seq', e.map((x) => optionalNumber(x.seq)));
  // How long a lasting fault (a silence, a partition, a crash) went on, plus one; 0: to the end.
  columns.add('e.duration', e.map((x) => (typeof x.untilMs === 'number' && Number.isFinite(x.untilMs) ? Math.max(0, micros(x.untilMs) - micros(x.atMs)) + 1 : 0)));
  columns.add('e.text', e.map((x) => strings.id(String(x.text))));

  const operations = record.operations;
  const o = [...orderBy(operations.length, (i) => micros(operations[i]!.callMs))].map((i) => operations[i]!);
  const returned = o.map((x) => typeof x.returnMs === 'number' && Number.isFinite(x.returnMs));
  columns.add('o.lane', o.map((x) => lane(`c${x.client}`)));
  columns.add('o.call', o.map((x) => micros(x.callMs)), true);
  columns.add('o.duration', o.map((x, i) => (returned[i] ? Math.max(0, micros(x.returnMs) - micros(x.callMs)) : 0)));
  columns.add('o.flags', o.map((x, i) => (returned[i] ? OPERATION_RETURNED : 0) | (x.offending === true ? OPERATION_OFFENDING : 0)));
  columns.add('o.operation', o.map((x) => strings.id(String(x.operation))));
  columns.add('o.result', o.map((x) => strings.optional(x.result)));

  const header = {
    format: PAYLOAD_FORMAT,
    title: record.title,
    source: record.source,
    n: record.n,
    f: record.f,
    auth: record.auth,
    endMs: Number.isFinite(record.endMs) ? record.endMs : 0,
    lanes,
    types,
    eventColours: EVENT_COLOURS,
    views: record.views,
    verdict: record.verdict,
    evidence: record.evidence.map((item) => ({ ...item, markMs: evidenceMoment(record, item) })),
    strings: strings.list,
    columns: columns.entries,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const front = Math.ceil((4 + headerBytes.length) / 8) * 8;
  const body = columns.bytes();
  const payload = new Uint8Array(front + body.length);
  new DataView(payload.buffer).setUint32(0, headerBytes.length, true);
  payload.set(headerBytes, 4);
  payload.set(body, front);
  return payload;
}

/**
 * Where to mark an evidence item on its culprit's lane: when its holder kept it, else when the
 * culprit first sent a message of that kind for that slot, else nowhere (the side panel still
 * lists it).
 */
function evidenceMoment(record: RunRecord, item: RunRecord['evidence'][number]): number | null {
  if (typeof item.atMs === 'number' && Number.isFinite(item.atMs)) return item.atMs;
  if (item.culprit === undefined) return null;
  const culprit = `r${item.culprit}`;
  const first = record.messages.find((x) => x.from === culprit && x.type === item.kind && x.view === item.view && x.seq === item.seq);
  return first === undefined ? null : first.sentMs;
}
