// Browser side: what is under the pointer. The last redraw keeps the lists of what it drew
// (message arrows, density columns, events, operations' range, evidence flags); the nearest
// of those within a few pixels wins, a flag or an event glyph before an arrow, an arrow
// before the operation bar or the density column it crosses.
import { messageSegment } from './draw-messages.js';
import { eventPoint, operationBox } from './draw-marks.js';
import { densityAt, densityFields } from './draw-density.js';
import { laneAt } from './layout.js';

const REACH_PX = 6;

function distanceToSegment(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / length2));
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

/**
 * { kind: 'message'|'event'|'operation'|'evidence', index }, { kind: 'density', fields }
 * or null.
 */
export function hitTest(scene, drawn, x, y) {
  const { run, layout, win } = scene;
  if (x < layout.plot.x || y < layout.plot.y) return null;
  let best = null;
  let bestDistance = REACH_PX;
  const consider = (kind, index, distance) => {
    if (distance < bestDistance) {
      best = { kind, index };
      bestDistance = distance;
    }
  };
  for (const [index, fx, fy] of drawn.evidence) consider('evidence', index, Math.min(Math.hypot(x - fx - 4, y - fy + 10), Math.abs(x - fx) + Math.abs(y - fy) * 0.2) - 2);
  const p = new Float64Array(2);
  for (let k = 0; k < drawn.eventCount; k++) {
    const [ex, ey] = eventPoint(run, layout, win, drawn.events[k], p);
    consider('event', drawn.events[k], Math.hypot(x - ex, y - ey) - 1.5);
  }
  const s = new Float64Array(4);
  for (let k = 0; k < drawn.messageCount; k++) {
    const i = drawn.messages[k];
    const [x1, y1, x2, y2] = messageSegment(run, layout, win, i, s);
    if (Math.max(x1, x2) < x - REACH_PX || Math.min(x1, x2) > x + REACH_PX) continue;
    consider('message', i, distanceToSegment(x, y, x1, y1, x2, y2));
  }
  const box = new Float64Array(4);
  for (let i = drawn.operations[0]; i < drawn.operations[1]; i++) {
    if (operationBox(run, layout, win, i, box) === null) continue;
    const [bx, by, bw, bh] = box;
    if (x >= bx - 1 && x <= bx + bw + 1 && y >= by - 1 && y <= by + bh + 1) consider('operation', i, 3);
  }
  if (best === null && drawn.density !== null) {
    const cell = densityAt(run, layout, drawn.density, laneAt(layout, y), x);
    if (cell !== null) return { kind: 'density', index: cell.lane * drawn.density.columns + cell.column, fields: densityFields(run, layout, win, drawn.density, cell.lane, cell.column) };
  }
  return best;
}
