// A run record (record.ts) as a static SVG space-time diagram, for a writeup: one
// horizontal line per lane, time rightward on a ms axis, each message an arrow from its
// sender's lane at the time it left to its receiver's lane at the time it arrived, coloured
// by type (palette.ts); a lost message's arrow stops short in an ×. Each replica's lane is
// shaded by the view it was in, hatched while it was changing views. Self-contained: no
// scripts, no fonts to fetch; the same record and options give the same bytes.
//
//   writeFileSync('run.svg', renderSvg(record, { fromMs: 4_700, toMs: 4_800, lanes: ['r0', 'r1', 'r2', 'r3'] }));
//
// svg-view-change.ts chooses the window and lanes for a figure of a view change.
import { INK_COLOUR, LANE_COLOUR, MESSAGE_COLOURS, MUTED_COLOUR, VIEW_BAND_FILLS } from './palette.ts';
import type { LaneEvent, LaneId, PictureMessageType, RunRecord } from './record.ts';
import { legend } from './svg-legend.ts';
import { arrowheadMarker, curve, escapeXml, eventLabel, eventMark, labelOffsetPx, lostCross, px, wrap } from './svg-marks.ts';
import { PHASE_ROWS, PHASE_ROW_PX, phaseLabels } from './svg-phases.ts';
import { figureContent, niceStep, typicalTransitMs, type ArrowGroup, type FigureContent, type TimeWindow } from './svg-window.ts';

export interface SvgOptions {
  /** The window drawn, ms; default the whole run. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** The lanes drawn, in this order; default every lane of the record. */
  readonly lanes?: readonly LaneId[];
  /** Message types not drawn; the legend counts them. */
  readonly hiddenTypes?: readonly PictureMessageType[];
  /** Default: the record's title. */
  readonly title?: string;
  /** A sentence under the title saying what the figure shows. */
  readonly caption?: string;
  readonly widthPx?: number;
}

const LEFT_PX = 190;
const RIGHT_PX = 40;
/** Below the title, the subtitle and two lines of caption. */
const PHASES_TOP_PX = 120;
const TOP_PX = PHASES_TOP_PX + PHASE_ROWS * PHASE_ROW_PX;
const LANE_GAP_PX = 92;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';
/** About how wide a character of an 11 px label is. */
const LABEL_CHAR_PX = 6;

/** The record, or the part `options` chooses, as one SVG document. */
export function renderSvg(record: RunRecord, options: SvgOptions = {}): string {
  const window: TimeWindow = { fromMs: options.fromMs ?? 0, toMs: options.toMs ?? record.endMs };
  if (!(Number.isFinite(window.fromMs) && Number.isFinite(window.toMs) && window.toMs > window.fromMs)) {
    throw new Error(`renderSvg: the window must be finite and end after it starts, got ${window.fromMs}..${window.toMs} ms`);
  }
  const known = new Set(record.lanes.map((lane) => lane.id));
  const lanes = [...new Set(options.lanes ?? record.lanes.map((lane) => lane.id))].filter((lane) => known.has(lane));
  const content = figureContent(record, window, new Set(lanes), new Set(options.hiddenTypes ?? []));
  const widthPx = Math.max(600, options.widthPx ?? 1200);
  const figure = new Figure(record, window, lanes, widthPx);
  const body = [figure.header(options.title ?? record.title, options.caption), figure.viewBands(), figure.lanes(), figure.axis(), figure.arrows(content.groups), figure.events(content.events), figure.phases(content.groups)];
  const legendTop = figure.axisY + 48;
  const { svg: legendSvg, heightPx } = legend({ content, record, window, leftPx: 24, topPx: legendTop, widthPx: widthPx - 48 });
  const heightPx_ = legendTop + heightPx + 16;
  const types = [...new Set(content.groups.map((group) => group.first.type))].sort();
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${px(heightPx_)}" viewBox="0 0 ${widthPx} ${px(heightPx_)}" ${FONT} font-size="12">`,
    `<defs>${types.map(arrowheadMarker).join('')}${figure.definitions()}</defs>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    legendSvg,
    '</svg>',
    '',
  ].join('\n');
}

class Figure {
  readonly axisY: number;
  private readonly plotRightPx: number;
  private readonly laneY: ReadonlyMap<LaneId, number>;
  private readonly transitMs: number;
  private readonly visible: ReadonlySet<number>;

  constructor(
    private readonly record: RunRecord,
    private readonly window: TimeWindow,
    private readonly laneIds: readonly LaneId[],
    widthPx: number,
  ) {
    this.plotRightPx = widthPx - RIGHT_PX;
    this.laneY = new Map(laneIds.map((lane, index) => [lane, TOP_PX + 44 + index * LANE_GAP_PX]));
    this.axisY = TOP_PX + 44 + Math.max(0, laneIds.length - 1) * LANE_GAP_PX + 40;
    this.transitMs = typicalTransitMs(record);
    this.visible = this.visibleViews();
  }

  x(ms: number): number {
    const { fromMs, toMs } = this.window;
    return LEFT_PX + ((ms - fromMs) / (toMs - fromMs)) * (this.plotRightPx - LEFT_PX);
  }

  /** The plot's clip, and the hatching of a lane changing views. */
  definitions(): string {
    const height = this.axisY - TOP_PX;
    return (
      `<clipPath id="plot"><rect x="${LEFT_PX}" y="${TOP_PX}" width="${px(this.plotRightPx - LEFT_PX)}" height="${px(height)}"/></clipPath>` +
      `<pattern id="changing" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff7ed"/><line x1="0" y1="0" x2="0" y2="8" stroke="#fdba74" stroke-width="3"/></pattern>`
    );
  }

  header(title: string, caption: string | undefined): string {
    const { fromMs, toMs } = this.window;
    const source = this.record.source.kind === 'simulator' ? `seed ${this.record.source.seed}; replay: ${this.record.source.replay}` : `cluster ${this.record.source.clusterId}`;
    const sub = `n=${this.record.n}, f=${this.record.f}, auth=${this.record.auth}; ${px(fromMs)}–${px(toMs)} ms of ${px(this.record.endMs)} ms; ${source}`;
    const lines = wrap(caption ?? '', Math.floor((this.plotRightPx - 24) / 7), 2);
    const captionText = lines.map((line, index) => `<text x="24" y="${78 + index * 18}" font-size="13" fill="${INK_COLOUR}">${escapeXml(line)}</text>`).join('');
    return `<text x="24" y="32" font-size="19" font-weight="bold" fill="${INK_COLOUR}">${escapeXml(title)}</text>\n<text x="24" y="54" fill="${MUTED_COLOUR}">${escapeXml(sub)}</text>${captionText}`;
  }

  /** Per replica lane: a strip per view it was in, hatched from its VIEW-CHANGE until it entered the next view. */
  viewBands(): string {
    const parts: string[] = [];
    const labels = new Map<number, number>();
    for (const lane of this.laneIds) {
      const y = this.laneY.get(lane)!;
      if (!lane.startsWith('r')) continue;
      const replica = lane.slice(1);
      const entries = this.record.views.filter((band) => band.entered[replica] !== undefined).map((band) => ({ view: band.view, atMs: band.entered[replica]! })).sort((a, b) => a.atMs - b.atMs);
      entries.forEach((entry, index) => {
        const endMs = entries[index + 1]?.atMs ?? this.record.endMs;
        const strip = this.span(entry.atMs, endMs);
        if (strip === undefined) return;
        labels.set(entry.view, Math.min(labels.get(entry.view) ?? Infinity, strip.x1));
        parts.push(`<rect x="${px(strip.x1)}" y="${px(y - LANE_GAP_PX / 2)}" width="${px(strip.x2 - strip.x1)}" height="${LANE_GAP_PX}" fill="${VIEW_BAND_FILLS[entry.view % 2]}"/>`);
      });
      for (const change of this.changingViews(lane)) {
        const strip = this.span(change.fromMs, change.toMs);
        if (strip !== undefined) parts.push(`<rect x="${px(strip.x1)}" y="${px(y - LANE_GAP_PX / 2 + 6)}" width="${px(strip.x2 - strip.x1)}" height="${LANE_GAP_PX - 12}" fill="url(#changing)" opacity="0.9"/>`);
      }
    }
    for (const [view, x] of [...labels].sort(([a], [b]) => a - b)) {
      const primary = this.record.views.find((band) => band.view === view)?.primary;
      parts.push(`<text x="${px(x + 6)}" y="${TOP_PX + 15}" font-weight="bold" fill="${INK_COLOUR}">view ${view}${primary === undefined ? '' : ` · primary r${primary}`}</text>`);
    }
    return `<g class="views">${parts.join('')}</g>`;
  }

  /** From each START-VIEW-CHANGE on a lane to the next ENTER-VIEW there (or the end). */
  private changingViews(lane: LaneId): { fromMs: number; toMs: number }[] {
    const spans: { fromMs: number; toMs: number }[] = [];
    let since: number | undefined;
    for (const event of this.record.events) {
      if (event.lane !== lane) continue;
      if (event.kind === 'start-view-change') since ??= event.atMs;
      else if ((event.kind === 'enter-view' || event.kind === 'restart') && since !== undefined) {
        spans.push({ fromMs: since, toMs: event.atMs });
        since = undefined;
      }
    }
    if (since !== undefined) spans.push({ fromMs: since, toMs: this.record.endMs });
    return spans;
  }

  /** [fromMs, toMs] clipped to the window, in px; undefined when outside it. */
  private span(fromMs: number, toMs: number): { x1: number; x2: number } | undefined {
    const from = Math.max(fromMs, this.window.fromMs);
    const to = Math.min(toMs, this.window.toMs);
    return to > from ? { x1: this.x(from), x2: this.x(to) } : undefined;
  }

  lanes(): string {
    const parts = this.laneIds.map((id) => {
      const y = this.laneY.get(id)!;
      const lane = this.record.lanes.find((candidate) => candidate.id === id)!;
      const role = this.roleOf(lane.id, lane.faulty?.adversary);
      const name = `<text x="24" y="${px(y + 1)}" font-size="16" font-weight="bold" fill="${lane.faulty === undefined ? INK_COLOUR : '#dc2626'}">${escapeXml(id)}</text>`;
      const roleText = role === '' ? '' : `<text x="24" y="${px(y + 17)}" font-size="11" fill="${MUTED_COLOUR}">${escapeXml(role)}</text>`;
      return `${name}${roleText}<line x1="${LEFT_PX}" y1="${px(y)}" x2="${px(this.plotRightPx)}" y2="${px(y)}" stroke="${LANE_COLOUR}" stroke-width="1.5"/>${this.faultOverlay(id, y)}`;
    });
    return `<g class="lanes">${parts.join('\n')}</g>`;
  }

  /** While a lane is silent, partitioned or down, its line is dashed: what it sends then goes nowhere. */
  private faultOverlay(lane: LaneId, y: number): string {
    const parts: string[] = [];
    for (const event of this.record.events) {
      if (event.lane !== lane || (event.kind !== 'silent' && event.kind !== 'partition' && event.kind !== 'crash')) continue;
      const strip = this.span(event.atMs, event.untilMs ?? this.record.endMs);
      const dash = event.kind === 'crash' ? '1 5' : '6 4';
      if (strip !== undefined) parts.push(`<line x1="${px(strip.x1)}" y1="${px(y)}" x2="${px(strip.x2)}" y2="${px(y)}" stroke="${MUTED_COLOUR}" stroke-width="3" stroke-dasharray="${dash}"/>`);
    }
    return parts.join('');
  }

  /** "primary of v0 · silent from 3 s": what the reader needs to know about a lane in this window. */
  private roleOf(lane: LaneId, adversary: string | undefined): string {
    const roles: string[] = [];
    if (lane.startsWith('r')) {
      const index = Number(lane.slice(1));
      const primaryOf = this.record.views.filter((band) => band.primary === index && this.visible.has(band.view)).map((band) => `v${band.view}`);
      if (primaryOf.length > 0) roles.push(`primary of ${primaryOf.join(', ')}`);
      else roles.push('backup');
    } else roles.push('client');
    if (adversary !== undefined) roles.push(`faulty: ${adversary.length > 24 ? `${adversary.slice(0, 23)}…` : adversary}`);
    for (const event of this.record.events) {
      if (event.lane === lane && event.kind === 'silent' && event.atMs <= this.window.toMs && (event.untilMs ?? Infinity) >= this.window.fromMs) roles.push(`silent from ${px(event.atMs / 1000)} s`);
    }
    return roles.join(' · ');
  }

  /** Views some replica was in during the window: from the first entry to the last entry into a later view. */
  private visibleViews(): Set<number> {
    const bands = [...this.record.views].sort((a, b) => a.view - b.view);
    const firstEntryMs = bands.map((band) => Math.min(...Object.values(band.entered)));
    const lastEntryMs = bands.map((band) => Math.max(...Object.values(band.entered)));
    const visible = new Set<number>();
    // The last band lasts to the end of the run; each earlier one until the last entry into any later one.
    let untilMs = Infinity;
    for (let index = bands.length - 1; index >= 0; index--) {
      if (firstEntryMs[index]! <= this.window.toMs && untilMs >= this.window.fromMs) visible.add(bands[index]!.view);
      untilMs = untilMs === Infinity ? lastEntryMs[index]! : Math.max(untilMs, lastEntryMs[index]!);
    }
    return visible;
  }

  axis(): string {
    const { fromMs, toMs } = this.window;
    const stepMs = niceStep(toMs - fromMs, 12);
    const parts = [`<line x1="${LEFT_PX}" y1="${px(this.axisY)}" x2="${px(this.plotRightPx)}" y2="${px(this.axisY)}" stroke="${INK_COLOUR}"/>`];
    // Counted, not summed: far from 0, adding a small step may not move a double at all.
    const first = Math.ceil(fromMs / stepMs);
    for (let index = 0; index <= 50 && (first + index) * stepMs <= toMs + 1e-9; index++) {
      const tick = (first + index) * stepMs;
      const x = px(this.x(tick));
      parts.push(`<line x1="${x}" y1="${px(this.axisY)}" x2="${x}" y2="${px(this.axisY + 5)}" stroke="${INK_COLOUR}"/><text x="${x}" y="${px(this.axisY + 19)}" text-anchor="middle" fill="${INK_COLOUR}">${px(tick)}</text>`);
    }
    parts.push(`<text x="${px(this.plotRightPx)}" y="${px(this.axisY + 36)}" text-anchor="end" fill="${MUTED_COLOUR}">simulated time, ms</text>`);
    return `<g class="axis">${parts.join('')}</g>`;
  }

  phases(groups: readonly ArrowGroup[]): string {
    return phaseLabels(groups, { topPx: PHASES_TOP_PX, leftPx: LEFT_PX, rightPx: this.plotRightPx, transitMs: this.transitMs, x: (ms) => this.x(ms) });
  }

  arrows(groups: readonly ArrowGroup[]): string {
    // Background traffic first, so view changes are drawn on top.
    const order = (type: PictureMessageType) => (type === 'view-change' || type === 'new-view' ? 1 : 0);
    const sorted = [...groups].sort((a, b) => order(a.first.type) - order(b.first.type));
    // Arrows of different types on the same path (a NEW-VIEW and the PRE-PREPARE right behind
    // it) would hide one another: the second bends one way, the third the other.
    const typesOnPath = new Map<string, PictureMessageType[]>();
    const arrows = sorted.map((group) => {
      const { from, to, sentMs, receivedMs } = group.first;
      const path = `${from}|${to}|${sentMs}|${receivedMs}`;
      const types = typesOnPath.get(path) ?? [];
      typesOnPath.set(path, types);
      if (!types.includes(group.first.type)) types.push(group.first.type);
      const index = types.indexOf(group.first.type);
      return this.arrow(group, index === 0 ? 0 : (index % 2 === 1 ? 1 : -1) * Math.ceil(index / 2) * 9);
    });
    return `<g class="messages" clip-path="url(#plot)">${arrows.join('\n')}</g>`;
  }

  private arrow({ first: message, count, seqs }: ArrowGroup, bendPx: number): string {
    const colour = MESSAGE_COLOURS[message.type];
    const x1 = this.x(message.sentMs);
    const y1 = this.laneY.get(message.from)!;
    const toY = this.laneY.get(message.to)!;
    const title = `${message.from}→${message.to} ${message.text}${count > 1 ? ` (and ${count - 1} more like it${seqs === undefined ? '' : `, n=${seqs.low}..${seqs.high}`})` : ''}${message.lost === undefined ? '' : ` LOST (${message.lost})`}${message.dropped === undefined ? '' : ` dropped: ${message.dropped}`}`;
    const open = `<g class="message" data-type="${message.type}" data-count="${count}"><title>${escapeXml(title)}</title>`;
    if (message.receivedMs === undefined) {
      // Lost: toward where it would have arrived, stopping short of the receiver's lane.
      const share = 0.45;
      const x2 = x1 + (this.x(message.sentMs + this.transitMs) - x1) * share;
      const y2 = y1 + (toY - y1) * share;
      return `${open}<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" stroke="${colour}" stroke-width="1.6" stroke-dasharray="5 3" opacity="0.8"/>${lostCross(x2, y2)}</g>`;
    }
    const x2 = this.x(message.receivedMs);
    const dropped = message.dropped === undefined ? '' : `<circle cx="${px(x2)}" cy="${px(toY)}" r="4.5" fill="none" stroke="${MUTED_COLOUR}" stroke-width="1.5"/>`;
    const width = count > 1 ? 2.4 : 1.6;
    return `${open}<path d="${curve(x1, y1, x2, toY, bendPx)}" fill="none" stroke="${colour}" stroke-width="${width}" marker-end="url(#head-${message.type})"/>${dropped}</g>`;
  }

  events(events: readonly LaneEvent[]): string {
    const parts: string[] = [];
    const labelled = new Set<string>();
    const rowEndPx = new Map<string, number>();
    const executed = executedSeqs(events);
    for (const event of events) {
      const y = this.laneY.get(event.lane)!;
      const x = this.x(Math.max(event.atMs, this.window.fromMs));
      // A fault that began before the window has no mark in it, only its label at the left edge.
      const mark = event.atMs < this.window.fromMs ? '' : eventMark(event.kind, x, y);
      parts.push(`<g class="event" data-kind="${event.kind}"><title>${escapeXml(`${event.lane} ${px(event.atMs)} ms: ${event.text}`)}</title>${mark}</g>`);
      // One label per lane, kind and moment: seven executions at once read "executes n=51–57".
      const key = `${event.lane}|${event.kind}|${event.atMs}`;
      const seqs = executed.get(key);
      const label = seqs === undefined ? eventLabel(event) : `executes n=${seqs.low === seqs.high ? seqs.low : `${seqs.low}–${seqs.high}`}`;
      if (label === '' || labelled.has(key)) continue;
      labelled.add(key);
      // In a crowded window a label that would run into the one before it on its row is left out (the mark stays).
      const row = `${event.lane}|${labelOffsetPx(event.kind)}`;
      if (x + 8 < (rowEndPx.get(row) ?? -Infinity) + 6) continue;
      rowEndPx.set(row, x + 8 + label.length * LABEL_CHAR_PX);
      parts.push(`<text x="${px(x + 8)}" y="${px(y + labelOffsetPx(event.kind))}" font-size="11" fill="${INK_COLOUR}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(label)}</text>`);
    }
    return `<g class="events" clip-path="url(#plot)">${parts.join('\n')}</g>`;
  }
}

/** Per lane and moment, the lowest and highest n executed then. */
function executedSeqs(events: readonly LaneEvent[]): Map<string, { low: number; high: number }> {
  const bySlot = new Map<string, { low: number; high: number }>();
  for (const event of events) {
    if (event.kind !== 'execute' || event.seq === undefined) continue;
    const key = `${event.lane}|${event.kind}|${event.atMs}`;
    const seqs = bySlot.get(key);
    bySlot.set(key, { low: Math.min(seqs?.low ?? event.seq, event.seq), high: Math.max(seqs?.high ?? event.seq, event.seq) });
  }
  return bySlot;
}

export type { FigureContent };
