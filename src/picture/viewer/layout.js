// Browser side: where each lane sits. Replicas first (they carry most of the traffic, so they
// get taller lanes), a gap, then clients (one lane each, with their operation bars). Lanes
// fill the height they are given; past a minimum height they stop shrinking and the plot
// scrolls instead.

export const GUTTER_PX = 132;
export const AXIS_PX = 22;
export const VIEW_STRIP_PX = 20;
const GROUP_GAP_PX = 10;

/**
 * Lane rows for the lanes shown (`shown[i]` true). Returns per lane: top, height, middle
 * (NaN when hidden), the plot's rectangle and the total height it needs.
 */
export function layoutLanes(run, shown, width, height) {
  const lanes = run.lanes;
  const top = AXIS_PX + VIEW_STRIP_PX;
  const replicas = lanes.map((lane, i) => i).filter((i) => shown[i] && lanes[i].kind === 'replica');
  const clients = lanes.map((lane, i) => i).filter((i) => shown[i] && lanes[i].kind !== 'replica');
  const clientWeight = (i) => 1 + 0.6 * Math.max(0, run.o.rows[i] - 1);
  const weight = replicas.length * 3 + clients.reduce((sum, i) => sum + clientWeight(i), 0);
  const gap = replicas.length > 0 && clients.length > 0 ? GROUP_GAP_PX : 0;
  const unit = (height - top - gap - 6) / Math.max(1, weight);
  // A replica lane is three client lanes high; both grow to fill the plot, up to a height
  // past which more height would only spread the arrows thinner.
  // With many clients, replicas still keep close to half the plot: theirs is the protocol.
  const replicaShare = replicas.length === 0 ? 0 : (0.45 * (height - top - gap - 6)) / replicas.length;
  const replicaHeight = Math.min(150, Math.max(24, unit * 3, Math.min(replicaShare, 110)));
  const clientRoom = height - top - gap - 6 - replicaHeight * replicas.length;
  const clientWeights = clients.reduce((sum, i) => sum + clientWeight(i), 0);
  const clientUnit = Math.min(56, Math.max(9, Math.min(unit, clientRoom / Math.max(1, clientWeights))));
  const laneTop = new Float64Array(lanes.length).fill(NaN);
  const laneHeight = new Float64Array(lanes.length).fill(0);
  let y = top;
  for (const i of replicas) {
    laneTop[i] = y;
    laneHeight[i] = replicaHeight;
    y += replicaHeight;
  }
  y += gap;
  for (const i of clients) {
    laneTop[i] = y;
    laneHeight[i] = clientUnit * clientWeight(i);
    y += laneHeight[i];
  }
  const middle = laneTop.map((t, i) => (Number.isNaN(t) ? NaN : laneMiddle(run, i, t, laneHeight[i])));
  const plot = { x: GUTTER_PX, y: top, width: Math.max(10, width - GUTTER_PX - 8), height: y - top };
  return { laneTop, laneHeight, middle, plot, neededHeight: y + 6, order: [...replicas, ...clients] };
}

/** Where arrows meet a lane: its middle, or for a client with several bar rows, its first row's. */
function laneMiddle(run, lane, top, height) {
  const rows = run.o.rows[lane];
  if (rows <= 1) return top + height / 2;
  return top + height / (1 + 0.6 * (rows - 1)) / 2;
}

/** The lane whose row holds `y`, or -1. */
export function laneAt(layout, y) {
  for (const i of layout.order) if (y >= layout.laneTop[i] && y < layout.laneTop[i] + layout.laneHeight[i]) return i;
  return -1;
}
