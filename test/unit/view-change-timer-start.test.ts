// §4.5.2's timer between views starts once 2f+1 replicas want the view or a later one.
// Counting only exact votes, a backup whose third vote for v was superseded (the peer had
// already moved on to v+1) waited for v's NEW-VIEW forever: found by `npm run chaos`
// (seed 1), where a primary died while the link between the two backups that had just
// restarted was still being redialled.
import { describe, expect, it } from 'vitest';
import type { ViewChange } from '../../src/core/messages.ts';
import { Pump } from '../support/pump.ts';

const viewChange = (replica: number, newView: number): ViewChange => ({ type: 'view-change', newView, stableSeq: 0, checkpointProof: [], prepared: [], replica });

describe('the view-change timer between views', () => {
  it('starts with 2f+1 replicas asking for this view or a later one, and moves the replica on', () => {
    const pump = new Pump();
    // Replica 0 sees 2 ask for view 1 and 3 already for view 2: it joins view 1 (f+1 above it).
    pump.inject(2, 0, pump.sign(viewChange(2, 1)));
    pump.inject(3, 0, pump.sign(viewChange(3, 2)));
    pump.fate = (envelope) => (envelope.to === 0 ? 'deliver' : 'lose');
    pump.run();
    const replica = pump.replica(0);
    expect([replica.view, replica.active]).toEqual([1, false]);
    // Exact votes for view 1: its own and 2's. With 3's vote for view 2 that is 2f+1 = 3.
    expect(replica.viewChanges.forView(1)).toHaveLength(2);
    expect(replica.timer.deadlineMs).toBeDefined();
    pump.advance(3_000);
    expect(replica.view).toBeGreaterThanOrEqual(2);
    expect(pump.broadcastsBy(0, 'view-change').map((signed) => (signed.message as ViewChange).newView)).toContain(2);
  });
});
