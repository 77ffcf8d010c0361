// The small shapes of the static figure (svg.ts, svg-legend.ts), as SVG text: arrowheads,
// the × of a lost message, and a lane event's mark. Numbers are written with one decimal
// at most, so the same record gives the same bytes.
import { ALERT_COLOUR, EVENT_COLOURS, MESSAGE_COLOURS } from './palette.ts';
import type { LaneEvent, PictureMessageType } from './record.ts';

/** A coordinate or length: one decimal, no "-0", no trailing ".0". */
export function px(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** Text or an attribute value, escaped: a record may come from logs, and its strings are untrusted. */
export function escapeXml(text: string): string {
  // Characters XML 1.0 does not allow at all are dropped rather than escaped.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** One arrowhead marker per message type, coloured like its arrows. */
export function arrowheadMarker(type: PictureMessageType): string {
  return `<marker id="head-${type}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="${MESSAGE_COLOURS[type]}"/></marker>`;
}

/** The × where a lost message's arrow stops. */
export function lostCross(x: number, y: number, size = 4): string {
  const a = `M${px(x - size)},${px(y - size)} L${px(x + size)},${px(y + size)}`;
  const b = `M${px(x - size)},${px(y + size)} L${px(x + size)},${px(y - size)}`;
  return `<path d="${a} ${b}" stroke="${ALERT_COLOUR}" stroke-width="2" fill="none"/>`;
}

/** A lane event's mark at (x, y): its shape says what kind of thing happened. */
export function eventMark(kind: LaneEvent['kind'], x: number, y: number): string {
  const colour = EVENT_COLOURS[kind];
  switch (kind) {
    case 'start-view-change':
      return `<path d="M${px(x)},${px(y - 7)} L${px(x + 7)},${px(y)} L${px(x)},${px(y + 7)} L${px(x - 7)},${px(y)} z" fill="#fff" stroke="${colour}" stroke-width="2"/>`;
    case 'enter-view':
      return `<circle cx="${px(x)}" cy="${px(y)}" r="6" fill="${colour}" stroke="#fff" stroke-width="1.5"/>`;
    case 'execute':
      return `<line x1="${px(x)}" y1="${px(y + 3)}" x2="${px(x)}" y2="${px(y + 12)}" stroke="${colour}" stroke-width="2"/>`;
    case 'checkpoint':
    case 'stable-checkpoint':
      return `<rect x="${px(x - 3.5)}" y="${px(y - 3.5)}" width="7" height="7" fill="${kind === 'stable-checkpoint' ? colour : '#fff'}" stroke="${colour}" stroke-width="1.5"/>`;
    case 'crash':
      return lostCross(x, y, 7).replace(ALERT_COLOUR, colour);
    case 'silent':
    case 'partition':
      return `<line x1="${px(x)}" y1="${px(y - 9)}" x2="${px(x)}" y2="${px(y + 9)}" stroke="${colour}" stroke-width="2"/>`;
    case 'restart':
    case 'state-transfer':
    case 'state-rollback':
    case 'voting-resumed':
    case 'evidence':
    case 'adversary':
      return `<path d="M${px(x)},${px(y - 7)} L${px(x + 6)},${px(y + 4)} L${px(x - 6)},${px(y + 4)} z" fill="${colour}"/>`;
  }
}

/** Where a label goes: view changes above the lane, entries below it, executions lower still. */
export function labelOffsetPx(kind: LaneEvent['kind']): number {
  if (kind === 'enter-view') return 22;
  if (kind === 'execute') return 25;
  return -12;
}

/** The few words a figure prints beside a lane event's mark; '' for marks left unlabelled. */
export function eventLabel(event: LaneEvent): string {
  const view = event.view === undefined ? '' : `v${event.view}`;
  switch (event.kind) {
    case 'start-view-change': {
      const reason = /\(([\w-]+)\)/.exec(event.text)?.[1];
      return `VIEW-CHANGE to ${view}${reason === undefined ? '' : ` (${reason === 'timeout' ? 'timer expired' : reason})`}`;
    }
    case 'enter-view':
      return `enters ${view}`;
    case 'crash':
      return 'crashes';
    case 'restart':
      return 'restarts';
    case 'state-transfer':
      return `state transfer n=${event.seq ?? '?'}`;
    case 'state-rollback':
      return 'rolls back';
    case 'voting-resumed':
      return `votes again in ${view}`;
    case 'evidence':
      return 'keeps evidence';
    case 'adversary':
      return event.text.length > 48 ? `${event.text.slice(0, 47)}…` : event.text;
    case 'silent':
      return 'silent: all it sends is lost';
    case 'partition':
      return 'partitioned';
    case 'execute':
    case 'checkpoint':
    case 'stable-checkpoint':
      return '';
  }
}

/** `text` in at most `most` lines of at most `width` characters, broken between words; the last cut with … if need be. */
export function wrap(text: string, width: number, most: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  if (lines.length <= most) return lines.map((kept) => (kept.length > width ? `${kept.slice(0, width - 1)}…` : kept));
  const kept = lines.slice(0, most);
  const last = kept[most - 1]!;
  kept[most - 1] = `${last.slice(0, Math.max(0, width - 1))}…`;
  return kept;
}

/** A straight line, or a curve whose middle lies `bendPx` to one side of it. */
export function curve(x1: number, y1: number, x2: number, y2: number, bendPx: number): string {
  if (bendPx === 0) return `M${px(x1)},${px(y1)} L${px(x2)},${px(y2)}`;
  const length = Math.hypot(x2 - x1, y2 - y1) || 1;
  // A quadratic curve's middle is halfway to its control point.
  const cx = (x1 + x2) / 2 - ((y2 - y1) / length) * bendPx * 2;
  const cy = (y1 + y2) / 2 + ((x2 - x1) / length) * bendPx * 2;
  return `M${px(x1)},${px(y1)} Q${px(cx)},${px(cy)} ${px(x2)},${px(y2)}`;
}
