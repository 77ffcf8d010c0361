// No Byzantine message buys more than constant work: every message type a Byzantine
// replica (replica 1, with its own key) or a Byzantine client can send, replayed 100 and
// then 200 times into correct replicas within 2 simulated seconds, on a cluster that has
// committed batches, transferred state and changed views twice. Whatever the flood, the
// correct replicas sign and send about one answer per peer per resend interval, and a
// duplicate costs at most its own signature check (bench/amplification-engine.ts says
// exactly what is compared). `npm run amplification` prints the full table.
import { describe, expect, it } from 'vitest';
import { buildRealisticCluster, describeState } from '../../bench/amplification-cluster.ts';
import { checkBounds, measure } from '../../bench/amplification-engine.ts';
import { ROWS } from '../../bench/amplification-rows.ts';

const WINDOW_MS = 2000;
const FRAMES = 200;

describe('amplification harness: the cluster it floods', () => {
  it('is in view 2 with stable checkpoints, after a state transfer and two view changes', () => {
    const cluster = buildRealisticCluster();
    for (const replica of cluster.replicas) {
      expect(replica.view, describeState(cluster)).toBe(2);
      expect(replica.active, describeState(cluster)).toBe(true);
      expect(replica.lowWatermark, describeState(cluster)).toBeGreaterThanOrEqual(30);
    }
    expect(cluster.replica(3).stateTransfers, describeState(cluster)).toBeGreaterThan(0);
  });

  it('a flood of 200 current PREPAREs, for an entry each receiver has already prepared, costs no verification and nothing else', () => {
    const row = ROWS.find((candidate) => candidate.type === 'PREPARE' && candidate.variant.startsWith('current'))!;
    const { excess, frames } = measure(row, FRAMES, WINDOW_MS);
    expect(frames).toBe(3 * FRAMES);
    // A PREPARE past its entry's quorum is a surplus vote, dropped before its signature is
    // checked (src/core/admission.ts, OSDI'99 §4.2); until then each cost one verification.
    expect(excess).toMatchObject({ signatures: 0, verifications: 0, messages: 0 });
  });

  it('a flood of 200 replayed STATUS costs one verification per frame: the harness does count them', () => {
    // A STATUS carries no freshness, so each replay is checked; the answers are rate limited.
    const row = ROWS.find((candidate) => candidate.type === 'STATUS' && candidate.variant.startsWith('current'))!;
    const { excess, frames } = measure(row, FRAMES, WINDOW_MS);
    expect(frames).toBe(3 * FRAMES);
    expect(excess.verifications).toBe(frames);
  });
});

describe('amplification: n=4, 100 vs 200 Byzantine frames per receiver within 2 s', () => {
  for (const row of ROWS) {
    it(`${row.type}, ${row.variant}: work does not grow with the frames`, () => {
      const small = measure(row, FRAMES / 2, WINDOW_MS);
      const large = measure(row, FRAMES, WINDOW_MS);
      expect(checkBounds(small, large), JSON.stringify(large.excess)).toEqual([]);
    });
  }
});
