// What a static figure of a run shows (svg.ts): a time window, a set of lanes, and the
// messages inside both, with identical arrows (same sender, receiver, type and times, as
// when a primary re-proposes seven batches at once) drawn once and counted.
import { EVENT_COLOURS, MESSAGE_COLOURS } from './palette.ts';
import type { LaneEvent, LaneId, MessageRecord, PictureMessageType, RunRecord } from './record.ts';

export interface TimeWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Arrows that would sit on top of one another: drawn once, with their count. */
export interface ArrowGroup {
  readonly first: MessageRecord;
  readonly count: number;
  /** The lowest and highest n the group's messages carry, when they carry one. */
  readonly seqs?: { readonly low: number; readonly high: number };
}

export interface FigureContent {
  readonly groups: readonly ArrowGroup[];
  /** Messages drawn (the sum of the groups' counts). */
  readonly drawn: number;
  /** Messages in the window left out, by type: hidden types, lanes not shown, and types the picture does not know. */
  readonly hidden: ReadonlyMap<string, number>;
  /** Groups beyond the drawing's cap, not drawn. */
  readonly overflow: number;
  readonly events: readonly LaneEvent[];
}

/** Most arrows one figure draws: a figure is for a window, and an unbounded record must not buy unbounded output. */
export const MAX_ARROW_GROUPS = 4000;
/** Most lane events one figure draws. */
export const MAX_EVENTS = 4000;

/**
 * The window around the first view change: from a little before the first START-VIEW-CHANGE
 * to a little after the last replica entered the view that change ended in (the first view
 * after it that every replica that tried entered), with room for a few message transits on
 * each side so the lost messages before and the re-proposals after show. Undefined when the
 * run changed no view.
 */
export function viewChangeWindow(record: RunRecord): TimeWindow | undefined {
  const started = record.events.find((event) => event.kind === 'start-view-change' && Number.isFinite(event.atMs));
  if (started === undefined) return undefined;
  const entered = record.events.filter((event) => event.kind === 'enter-view' && Number.isFinite(event.atMs) && event.atMs >= started.atMs);
  const firstView = entered[0]?.view;
  const lastEntered = entered.filter((event) => event.view === firstView).at(-1)?.atMs ?? started.atMs;
  const marginMs = Math.max(lastEntered - started.atMs, 4 * typicalTransitMs(record), 10);
  const stepMs = niceStep(lastEntered - started.atMs + 2 * marginMs, 16);
  return {
    fromMs: Math.max(0, Math.floor((started.atMs - marginMs) / stepMs) * stepMs),
    toMs: Math.min(Math.max(record.endMs, started.atMs), Math.ceil((lastEntered + marginMs) / stepMs) * stepMs),
  };
}

/** The median time a message took to arrive (1 when none did). */
export function typicalTransitMs(record: RunRecord): number {
  const transits: number[] = [];
  for (const message of record.messages) {
    const transitMs = (message.receivedMs ?? NaN) - message.sentMs;
    if (Number.isFinite(transitMs) && transitMs >= 0) transits.push(transitMs);
  }
  if (transits.length === 0) return 1;
  transits.sort((a, b) => a - b);
  return Math.max(transits[Math.floor(transits.length / 2)]!, 0.001);
}

/** A round step (1, 2 or 5 times a power of ten) that cuts `spanMs` into at most `most` parts. */
export function niceStep(spanMs: number, most: number): number {
  const raw = Math.max(spanMs, 1e-3) / most;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= raw)!;
}

/** Whether a message's arrow crosses the window (a lost one: when it left). */
export function inWindow(message: MessageRecord, window: TimeWindow): boolean {
  const endMs = message.receivedMs ?? message.sentMs;
  return message.sentMs <= window.toMs && endMs >= window.fromMs;
}

export function figureContent(record: RunRecord, window: TimeWindow, lanes: ReadonlySet<LaneId>, hiddenTypes: ReadonlySet<PictureMessageType>): FigureContent {
  const hidden = new Map<string, number>();
  const byKey = new Map<string, { first: MessageRecord; count: number; low?: number; high?: number }>();
  for (const message of record.messages) {
    if (!inWindow(message, window)) continue;
    // A record read from logs may hold anything: a type without a colour is counted, not drawn.
    if (hiddenTypes.has(message.type) || !lanes.has(message.from) || !lanes.has(message.to) || !Object.hasOwn(MESSAGE_COLOURS, message.type)) {
      hidden.set(message.type, (hidden.get(message.type) ?? 0) + 1);
      continue;
    }
    const key = `${message.from}|${message.to}|${message.type}|${message.sentMs}|${message.receivedMs}|${message.lost}|${message.dropped}|${message.faulty}`;
    const group = byKey.get(key) ?? { first: message, count: 0 };
    byKey.set(key, group);
    group.count++;
    if (message.seq !== undefined) {
      group.low = Math.min(group.low ?? message.seq, message.seq);
      group.high = Math.max(group.high ?? message.seq, message.seq);
    }
  }
  const all = [...byKey.values()].map(({ first, count, low, high }): ArrowGroup => ({ first, count, ...(low === undefined || high === undefined ? {} : { seqs: { low, high } }) }));
  const groups = all.slice(0, MAX_ARROW_GROUPS);
  const events = record.events.filter((event) => lanes.has(event.lane) && Object.hasOwn(EVENT_COLOURS, event.kind) && overlaps(event, window)).slice(0, MAX_EVENTS);
  return { groups, drawn: groups.reduce((total, group) => total + group.count, 0), hidden, overflow: all.length - groups.length, events };
}

/** An instant in the window, or a lasting fault that overlaps it. */
function overlaps(event: LaneEvent, window: TimeWindow): boolean {
  const lasts = event.kind === 'silent' || event.kind === 'partition' || event.kind === 'crash';
  const endMs = lasts ? (event.untilMs ?? Infinity) : event.atMs;
  return event.atMs <= window.toMs && endMs >= window.fromMs;
}
