// Browser side: messages as arrows from the sender's lane at the send time to the receiver's
// lane at the arrival time, coloured by type. A message sent by a faulty lane is dashed; a
// lost one stops short at a red cross; one its receiver dropped ends in a red bar.
//
// Only messages in the time window are visited (binary search on send times, widened by the
// longest flight). Past a few thousand arrows a picture of arrows is a solid wall of colour
// (and slow to rasterize), so main.js then draws the commonest types as density instead
// (draw-density.js) and only the rarer ones as arrows here.
import { lowerBound, upperBound } from './data.js';
import { timeToX } from './scale.js';

const LOST_COLOUR = '#dc2626';

/** Indexes of the messages that pass the mask and reach into the window, in send order. */
export function visibleMessages(run, mask, win, scratch) {
  const m = run.m;
  const first = lowerBound(m.sent, win.startMs - m.reachAfterMs);
  const last = upperBound(m.sent, win.endMs + m.reachBeforeMs);
  let count = 0;
  for (let i = first; i < last; i++) {
    if (mask[i] === 0) continue;
    const end = Number.isNaN(m.received[i]) ? m.sent[i] + m.stubMs : m.received[i];
    if (Math.max(m.sent[i], end) < win.startMs || Math.min(m.sent[i], end) > win.endMs) continue;
    scratch[count++] = i;
  }
  return count;
}

/** Where message `i` is drawn: [x1, y1, x2, y2]. */
export function messageSegment(run, layout, win, i, out) {
  const m = run.m;
  const plot = layout.plot;
  const y1 = layout.middle[m.from[i]];
  const y2 = layout.middle[m.to[i]];
  out[0] = timeToX(win, plot, m.sent[i]);
  out[1] = y1;
  if (Number.isNaN(m.received[i])) {
    out[2] = timeToX(win, plot, m.sent[i] + m.stubMs);
    out[3] = y1 + (y2 - y1) * 0.6;
  } else {
    out[2] = timeToX(win, plot, m.received[i]);
    out[3] = y2;
  }
  return out;
}

/** Draws `count` messages from `indices` one arrow each. */
export function drawArrows(ctx, run, layout, win, indices, count) {
  const m = run.m;
  const segment = new Float64Array(4);
  const byType = run.types.map(() => []);
  for (let k = 0; k < count; k++) byType[m.type[indices[k]]].push(indices[k]);
  const dense = count > 4000;
  ctx.lineWidth = dense ? 1 : 1.3;
  ctx.globalAlpha = dense ? 0.6 : 0.9;
  for (let t = 0; t < byType.length; t++) {
    const list = byType[t];
    if (list.length === 0) continue;
    ctx.strokeStyle = ctx.fillStyle = run.types[t].colour;
    for (const faulty of [false, true]) {
      ctx.setLineDash(faulty ? [5, 3] : []);
      ctx.beginPath();
      for (const i of list) {
        if (((m.flags[i] & 2) !== 0) !== faulty) continue;
        const [x1, y1, x2, y2] = messageSegment(run, layout, win, i, segment);
        ctx.moveTo(x1, y1);
        ctx.lineTo(x2, y2);
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.beginPath();
    for (const i of list) {
      if (Number.isNaN(m.received[i])) continue;
      const [x1, y1, x2, y2] = messageSegment(run, layout, win, i, segment);
      arrowHead(ctx, x1, y1, x2, y2, dense ? 4 : 6);
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  drawFates(ctx, run, layout, win, indices, count);
}

function arrowHead(ctx, x1, y1, x2, y2, size) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const length = Math.hypot(dx, dy);
  if (length < size * 1.8) return;
  const ux = dx / length;
  const uy = dy / length;
  ctx.moveTo(x2, y2);
  ctx.lineTo(x2 - ux * size - uy * size * 0.45, y2 - uy * size + ux * size * 0.45);
  ctx.lineTo(x2 - ux * size + uy * size * 0.45, y2 - uy * size - ux * size * 0.45);
  // No closePath: fill closes each triangle anyway, and Chrome's closePath grows slower with
  // every subpath already in the path (seconds for a few thousand arrowheads).
}

/** Red crosses where lost messages stop, red bars where receivers dropped them. */
function drawFates(ctx, run, layout, win, indices, count) {
  const m = run.m;
  const segment = new Float64Array(4);
  ctx.strokeStyle = LOST_COLOUR;
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    if (m.lost[i] === 0 && m.dropped[i] === 0) continue;
    const [x1, y1, x2, y2] = messageSegment(run, layout, win, i, segment);
    if (m.lost[i] !== 0) cross(ctx, x2, y2, 3.5);
    else dropBar(ctx, x1, y1, x2, y2, 5);
  }
  ctx.stroke();
}

function cross(ctx, x, y, r) {
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x - r, y + r);
  ctx.lineTo(x + r, y - r);
}

function dropBar(ctx, x1, y1, x2, y2, r) {
  const length = Math.hypot(x2 - x1, y2 - y1) || 1;
  const nx = -(y2 - y1) / length;
  const ny = (x2 - x1) / length;
  ctx.moveTo(x2 + nx * r, y2 + ny * r);
  ctx.lineTo(x2 - nx * r, y2 - ny * r);
}
