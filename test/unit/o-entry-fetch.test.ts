// An O entry whose batch is still being fetched holds its log slot under its digest from
// the moment the NEW-VIEW is accepted (OSDI'99 §4.4), and the fetch is retried until the
// batch arrives. Before, the slot stayed empty: a PRE-PREPARE with another digest for the
// same (v, n) was prepared, and the fetched batch then made the backup prepare a second
// digest; and one lost FETCH-BATCH or BATCH cost a whole view change.
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src/core/encoding.ts';
import type { Message, PrePrepare, Signed } from '../../src/core/messages.ts';
import { crypto, hex, Pump, TEST_PARAMETERS, type Envelope } from '../support/pump.ts';

const T = TEST_PARAMETERS.viewChangeTimeoutMs;
const isViewZeroCommit = ({ signed }: Envelope) => signed.message.type === 'commit' && signed.message.view === 0;

/** n=1 prepared at 0, 1, 2 in view 0 with request A; replica 3 never saw the batch; primary 0 then falls silent. */
function viewChangeWithBatchMissingAt3() {
  const pump = new Pump();
  const a = pump.signRequest(0, 1);
  pump.fate = (envelope) => {
    const message = envelope.signed.message;
    return (envelope.to === 3 && message.type === 'pre-prepare' && message.view === 0) || isViewZeroCommit(envelope) ? 'lose' : 'deliver';
  };
  pump.request(a);
  pump.run();
  expect(pump.replicas.map((replica) => replica.log.get(1)?.prepared ?? false)).toEqual([true, true, true, false]);
  return { pump, a };
}

function prepareDigestsBy(pump: Pump, id: number, view: number, seq: number): string[] {
  return pump.sent.flatMap(({ from, output }) => {
    if (from !== id || (output.kind !== 'send' && output.kind !== 'broadcast')) return [];
    const message: Message = output.signed.message;
    return message.type === 'prepare' && message.view === view && message.seq === seq ? [hex(message.digest)] : [];
  });
}

describe("O entries hold their slot while their batch is fetched (OSDI'99 §4.4), n=4, f=1", () => {
  it('a PRE-PREPARE with another digest for (1, 1) from the new primary is refused while the batch of O is on its way, and replica 3 prepares only the digest of O', () => {
    const { pump, a } = viewChangeWithBatchMissingAt3();
    // Primary 0 falls silent; every BATCH to replica 3 is held, so its fetch stays open.
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    pump.fate = ({ to, signed }) => (to === 3 && signed.message.type === 'batch' ? 'hold' : 'deliver');
    const waiting = pump.signRequest(1, 1);
    for (const id of [1, 2, 3]) pump.request(waiting, id);
    pump.run();
    pump.advance(T + 100, 50);
    expect(pump.replica(3).view).toBe(1);
    expect(pump.replica(3).active).toBe(true);
    const digestA = hex(crypto.sha256(encodeBatch([a])));
    expect(hex(pump.replica(3).prePrepareDigest(1, 1)!)).toBe(digestA);

    // The primary of view 1, replica 1, turned Byzantine, pre-prepares B at (1, 1) for replica 3.
    const b = [pump.signRequest(2, 7)];
    const conflicting = pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq: 1, digest: crypto.sha256(encodeBatch(b)), replica: 1, batch: b });
    pump.inject(1, 3, conflicting as Signed);
    pump.run();
    expect(pump.dropsAt(3).some(({ reason, messageType }) => reason === 'conflicting-pre-prepare' && messageType === 'pre-prepare')).toBe(true);

    // The batch of O arrives at last: replica 3 prepares it, and never anything else at (1, 1).
    pump.fate = () => 'deliver';
    pump.release();
    pump.run();
    pump.advance(pump.nowMs + 500, 50);
    expect([...new Set(prepareDigestsBy(pump, 3, 1, 1))]).toEqual([digestA]);
    expect(pump.eventsOf(3, 'executed').find(({ seq }) => seq === 1)?.digest).toEqual(crypto.sha256(encodeBatch([a])));
  });

  it('a lost FETCH-BATCH and a lost BATCH under a correct primary cost no view change: the fetch is retried until the batch arrives', () => {
    const { pump, a } = viewChangeWithBatchMissingAt3();
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    // The first two FETCH-BATCHes of replica 3 and the first BATCH sent to it are lost.
    let fetchesLost = 0;
    let batchesLost = 0;
    pump.fate = ({ from, to, signed }) => {
      // The new primary's pushed PRE-PREPARE for n = 1 would also bring the batch: lose it too.
      if (to === 3 && signed.message.type === 'pre-prepare' && signed.message.seq === 1) return 'lose';
      if (from.id === 3 && signed.message.type === 'fetch-batch' && fetchesLost < 2 * 3) return fetchesLost++, 'lose';
      if (to === 3 && signed.message.type === 'batch' && batchesLost < 1) return batchesLost++, 'lose';
      return 'deliver';
    };
    const waiting = pump.signRequest(1, 1);
    for (const id of [1, 2, 3]) pump.request(waiting, id);
    pump.run();
    pump.advance(3 * T, 50);
    expect(fetchesLost).toBe(6);
    expect(batchesLost).toBe(1);
    expect(pump.broadcastsBy(3, 'fetch-batch').length).toBeGreaterThanOrEqual(3);
    // One view change (the silent primary's), not two: replica 3 executed A at n = 1 in view 1.
    expect(pump.replicas.slice(1).map((replica) => [replica.view, replica.active])).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
    expect(pump.eventsOf(3, 'executed').find(({ seq }) => seq === 1)?.digest).toEqual(crypto.sha256(encodeBatch([a])));
    expect(pump.timed('view-change').filter(({ event }) => event.view > 1)).toEqual([]);
  });
});
