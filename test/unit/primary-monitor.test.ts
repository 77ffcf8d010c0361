// The robust-primary monitor (src/core/primary-monitor.ts; Aardvark, NSDI'09 §4.3) on its
// own, with hand-made inputs: when a backup complains about the primary, and when not.
import { describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../src/core/messages.ts';
import { FAIRNESS_LIMIT, lowerMedian, PrimaryMonitor, WINDOWS_JUDGED, type MonitoredReplica } from '../../src/core/primary-monitor.ts';

const WINDOW_MS = 500;

type TestReplica = MonitoredReplica & { waiting: Map<number, { timestamp: number }>; log: { highestSeq: number } };

function backup(view: number, waiting: Map<number, { timestamp: number }> = new Map()): TestReplica {
  return { view, active: true, isPrimary: false, waiting, lastExecuted: 0, log: { highestSeq: 0 }, reportedExecuted: new Map(), weakQuorum: 2 };
}

let nextSeq = 1;

/** A batch with one request per client given, as the monitor reads it (client and t only). */
function batch(...requests: [client: number, timestamp: number][]): SignedRequest[] {
  return requests.map(([client, timestamp]) => ({ message: { client, timestamp } }) as unknown as SignedRequest);
}

/** Runs `windows` windows of WINDOW_MS in which each of `clients` clients executes `perWindow` requests; the complaints. */
function drive(monitor: PrimaryMonitor, replica: MonitoredReplica, startMs: number, windows: number, clients: number, perWindow: number, t0 = 0): (string | undefined)[] {
  const complaints: (string | undefined)[] = [];
  for (let window = 0; window < windows; window++) {
    const at = startMs + window * WINDOW_MS;
    complaints.push(monitor.onTick(replica, at));
    for (let k = 0; k < perWindow; k++) {
      const t = t0 + window * perWindow + k + 1;
      monitor.noteExecuted(replica, nextSeq++, batch(...Array.from({ length: clients }, (_, c): [number, number] => [c, t])), at + 1 + k);
    }
  }
  complaints.push(monitor.onTick(replica, startMs + windows * WINDOW_MS));
  return complaints.filter((complaint) => complaint !== undefined);
}

describe('PrimaryMonitor', () => {
  it('lowerMedian: the lower of the two middle values, 0 for none', () => {
    expect(lowerMedian([1, 9, 4, 7])).toBe(4);
    expect(lowerMedian([5])).toBe(5);
    expect(lowerMedian([])).toBe(0);
  });

  it('view 0 has no bar: after WINDOWS_JUDGED windows with demand the backup votes once, to let another primary set it', () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    expect(drive(monitor, backup(0), 0, WINDOWS_JUDGED, 4, 5)).toEqual(['slow-primary']);
  });

  it('a primary at the rate of the view before is kept; one under 30% of it is voted out after its grace window', () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    drive(monitor, backup(0), 0, WINDOWS_JUDGED, 4, 10);
    expect(drive(monitor, backup(1), 10_000, 6, 4, 8, 100)).toEqual([]);
    expect(drive(monitor, backup(2), 20_000, 1 + WINDOWS_JUDGED, 4, 1, 200)).toEqual(['slow-primary']);
  });

  it('fewer clients at work is not a slower primary: the rate is per client', () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    drive(monitor, backup(0), 0, WINDOWS_JUDGED, 8, 6);
    expect(drive(monitor, backup(1), 10_000, 6, 1, 6, 100)).toEqual([]);
  });

  it(`fairness: a request waiting while another client has ${FAIRNESS_LIMIT} executed is relayed again, and the second time a vote; ${FAIRNESS_LIMIT - 1} are neither`, () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    const replica = backup(3, new Map([[7, { timestamp: 1 }]]));
    monitor.onTick(replica, 0);
    monitor.noteWaiting(replica, 7, 1);
    for (let t = 1; t < FAIRNESS_LIMIT; t++) monitor.noteExecuted(replica, t, batch([2, t]), t);
    expect(monitor.onTick(replica, 10)).toBeUndefined();
    monitor.noteExecuted(replica, FAIRNESS_LIMIT, batch([2, FAIRNESS_LIMIT]), 11);
    // The first time, the request is only relayed again (its relay may have been lost).
    expect(monitor.onTick(replica, 12)).toBeUndefined();
    expect(monitor.takeRelays()).toEqual([7]);
    for (let t = FAIRNESS_LIMIT + 1; t < 2 * FAIRNESS_LIMIT; t++) monitor.noteExecuted(replica, t, batch([2, t]), t + 10);
    expect(monitor.onTick(replica, 20)).toBeUndefined();
    monitor.noteExecuted(replica, 2 * FAIRNESS_LIMIT, batch([2, 2 * FAIRNESS_LIMIT]), 21);
    expect(monitor.onTick(replica, 22)).toBe('unfair-primary');
    expect(monitor.takeRelays()).toEqual([]);
  });

  it('fairness: a lagging backup catching up on batches ordered before the request began waiting does not complain', () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    const replica = backup(3, new Map([[7, { timestamp: 1 }]]));
    monitor.onTick(replica, 0);
    // Its log already holds PRE-PREPAREs up to n=10 (or a peer reported executing them).
    replica.log.highestSeq = 10;
    monitor.noteWaiting(replica, 7, 1);
    for (let seq = 1; seq <= 10; seq++) monitor.noteExecuted(replica, seq, batch([2, seq]), seq);
    expect(monitor.onTick(replica, 20)).toBeUndefined();
  });

  it('fairness: a request that executed, or that the replica no longer holds, starves nobody', () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    const replica = backup(3, new Map([[7, { timestamp: 1 }]]));
    monitor.onTick(replica, 0);
    monitor.noteWaiting(replica, 7, 1);
    replica.waiting.delete(7);
    for (let t = 1; t <= FAIRNESS_LIMIT + 2; t++) monitor.noteExecuted(replica, t, batch([2, t]), t);
    expect(monitor.onTick(replica, 20)).toBeUndefined();
  });

  it('the primary itself never complains; a percent outside 1..100 is refused', () => {
    const monitor = new PrimaryMonitor(30, WINDOW_MS, 4);
    expect(drive(monitor, { ...backup(0), isPrimary: true }, 0, WINDOWS_JUDGED + 1, 4, 5)).toEqual([]);
    expect(() => new PrimaryMonitor(0, WINDOW_MS, 4)).toThrow(/robustPrimaryPercent/);
  });
});
