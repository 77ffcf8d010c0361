// The row of phase names above the static figure's lanes (svg.ts), as in the paper's
// normal-case figure (OSDI'99 fig. 1): each run of messages of one type, from the first
// leaving to the last arriving, gets a bracket in its colour and its name, with the
// sequence numbers it carries ("PREPARE n=51–58"). Labels that would overlap go to the
// next row; beyond the last row they are left out (the arrows are still drawn).
import { MESSAGE_COLOURS, messageLabel } from './palette.ts';
import type { PictureMessageType } from './record.ts';
import { escapeXml, px } from './svg-marks.ts';
import type { ArrowGroup } from './svg-window.ts';

export const PHASE_ROWS = 4;
export const PHASE_ROW_PX = 17;
/** About how wide a character of the 11 px bold label font is. */
const CHAR_PX = 7;

interface Phase {
  readonly type: PictureMessageType;
  fromMs: number;
  toMs: number;
  low: number | undefined;
  high: number | undefined;
  allLost: boolean;
}

export interface PhaseGeometry {
  readonly topPx: number;
  readonly leftPx: number;
  readonly rightPx: number;
  readonly transitMs: number;
  readonly x: (ms: number) => number;
}

export function phaseLabels(groups: readonly ArrowGroup[], geometry: PhaseGeometry): string {
  const rowsEndPx: number[] = Array.from({ length: PHASE_ROWS }, () => -Infinity);
  const parts: string[] = [];
  for (const phase of phasesOf(groups, geometry.transitMs)) {
    const x1 = Math.max(geometry.leftPx, geometry.x(phase.fromMs));
    const x2 = Math.min(geometry.rightPx, geometry.x(phase.toMs));
    const text = `${messageLabel(phase.type)}${seqWords(phase)}${phase.allLost ? ' (lost)' : ''}`;
    const widthPx = text.length * CHAR_PX;
    const labelX = Math.min(Math.max(x1, (x1 + x2) / 2 - widthPx / 2), geometry.rightPx - widthPx);
    const row = rowsEndPx.findIndex((endPx) => Math.min(labelX, x1) > endPx + 8);
    if (row === -1) continue;
    rowsEndPx[row] = Math.max(labelX + widthPx, x2);
    const y = geometry.topPx + row * PHASE_ROW_PX;
    const colour = MESSAGE_COLOURS[phase.type];
    parts.push(
      `<path d="M${px(x1)},${px(y + 5)} L${px(x1)},${px(y + 2)} L${px(x2)},${px(y + 2)} L${px(x2)},${px(y + 5)}" stroke="${colour}" stroke-width="1.5" fill="none"/>` +
        `<text x="${px(labelX)}" y="${px(y - 2)}" font-size="11" font-weight="bold" fill="${colour}">${escapeXml(text)}</text>`,
    );
  }
  return `<g class="phases">${parts.join('\n')}</g>`;
}

/** Runs of one type whose times touch, in order of their first send. */
function phasesOf(groups: readonly ArrowGroup[], transitMs: number): Phase[] {
  const sorted = [...groups].sort((a, b) => a.first.sentMs - b.first.sentMs);
  const open = new Map<PictureMessageType, Phase>();
  const phases: Phase[] = [];
  for (const { first, seqs } of sorted) {
    const endMs = first.receivedMs ?? first.sentMs + transitMs * 0.45;
    let phase = open.get(first.type);
    if (phase === undefined || first.sentMs > phase.toMs) {
      phase = { type: first.type, fromMs: first.sentMs, toMs: endMs, low: undefined, high: undefined, allLost: true };
      open.set(first.type, phase);
      phases.push(phase);
    }
    phase.toMs = Math.max(phase.toMs, endMs);
    phase.allLost &&= first.receivedMs === undefined;
    if (seqs !== undefined) {
      phase.low = Math.min(phase.low ?? seqs.low, seqs.low);
      phase.high = Math.max(phase.high ?? seqs.high, seqs.high);
    }
  }
  return phases;
}

function seqWords(phase: Phase): string {
  if (phase.low === undefined || phase.high === undefined) return '';
  return phase.low === phase.high ? ` n=${phase.low}` : ` n=${phase.low}–${phase.high}`;
}
