// A replica whose own checkpoint disagrees with a stable 2f+1 certificate holds a wrong
// state (OSDI'99 §4.3: f+1 of the 2f+1 signers are correct). It stops executing on it,
// fetches the certified state, goes back to it even if it already executed past it
// (pipelining makes that the common case), and executes the committed batches above it
// again. Before, it stalled; then, it waited for a later checkpoint, forever when idle.
import { describe, expect, it } from 'vitest';
import { stateDigest } from '../../src/core/checkpoints.ts';
import { crypto, hex, Pump } from '../support/pump.ts';

describe("checkpoint mismatch: recovery by state transfer (OSDI'99 §4.3), n=4, f=1, K=4, L=8", () => {
  it('replica 3 corrupts its store, executes past n=4 before the certificate for 4 arrives, then rolls back to the certified state and matches the others', () => {
    const pump = new Pump({ parameters: { checkpointInterval: 4, logWindow: 8, maxBatch: 1, maxInflightBatches: 4 } });
    let t = 0;
    const burst = (count: number) => {
      for (let i = 0; i < count; i++) {
        const signed = pump.signRequest(i % 8, ++t);
        for (let id = 0; id < 4; id++) pump.request(signed, id);
      }
    };
    burst(2);
    pump.run();
    pump.advance(200, 20);
    expect(pump.replica(3).lastExecuted).toBe(2);
    pump.replica(3).store.execute({ type: 'put', key: 'corrupt', value: 'x' }); // a bug, a bit flip
    pump.fate = ({ signed, to }) => (to === 3 && signed.message.type === 'checkpoint' && signed.message.seq === 4 ? 'hold' : 'deliver');
    burst(4);
    pump.run();
    pump.advance(pump.nowMs + 200, 20);
    expect(pump.replica(3).lastExecuted).toBe(6);
    pump.fate = () => 'deliver';
    pump.release();
    pump.run();
    expect(pump.eventsOf(3, 'checkpoint-mismatch').map((event) => event.seq)).toEqual([4]);

    // No more requests: the repair must not wait for a later checkpoint.
    pump.advance(pump.nowMs + 3_000, 50);
    expect(pump.eventsOf(3, 'state-rollback')).toEqual([{ type: 'state-rollback', fromSeq: 6, toSeq: 4 }]);
    expect(pump.replica(3).stateTransfers).toBe(1);
    expect(pump.replica(3).lastExecuted).toBe(6);
    const digestOf = (id: number) => hex(stateDigest(crypto.sha256, pump.replica(id).store.snapshot(), pump.replica(id).clients.encode()));
    expect(digestOf(3)).toBe(digestOf(0));
    expect(pump.replica(3).store.read('corrupt')).toBeUndefined();
  });
});
