// A large run record made up in the shape of the simulator's: n=4, `clients` clients each
// doing operations one after another through the three phases, a checkpoint every 128
// sequence numbers, a view change half-way (view 1, primary r1), one message in 97 lost.
// About 29 messages an operation; 300,000 messages is a full 100-second seed's order of
// size. For the browser tests' aggregation checks and for bench/picture.ts.
import type { MessageRecord, RunRecord } from '../../src/picture/record.ts';
import { lanes, record, RunBuilder } from './hand-made-runs.ts';

export interface SyntheticOptions {
  readonly clients: number;
  readonly durationMs: number;
  /** Roughly how many messages; the operation rate is set from it. */
  readonly messages: number;
}

export function syntheticRun(options: SyntheticOptions): RunRecord {
  const b = new RunBuilder(4);
  const operationsWanted = Math.max(1, Math.round(options.messages / 29));
  const perClient = Math.max(1, Math.ceil(operationsWanted / options.clients));
  const periodMs = options.durationMs / (perClient + 1);
  const viewChangeMs = options.durationMs / 2;
  const calls: { client: number; callMs: number }[] = [];
  for (let c = 0; c < options.clients; c++) {
    for (let k = 0; k < perClient && calls.length < operationsWanted; k++) {
      calls.push({ client: c, callMs: k * periodMs + ((c * 7.919) % periodMs) * 0.9 });
    }
  }
  calls.sort((x, y) => x.callMs - y.callMs || x.client - y.client);
  let seq = 0;
  let entered = false;
  for (const { client, callMs } of calls) {
    if (!entered && callMs >= viewChangeMs) {
      entered = true;
      for (const r of ['r1', 'r2', 'r3'] as const) {
        b.event(r, viewChangeMs - 20, 'start-view-change', 'start view change to v=1', 1);
        b.broadcast(r, 'view-change', viewChangeMs - 19.8, { view: 1 });
      }
      b.broadcast('r1', 'new-view', viewChangeMs - 12, { view: 1 });
      for (const r of ['r1', 'r2', 'r3', 'r0'] as const) b.event(r, viewChangeMs - 10, 'enter-view', 'entered view 1', 1);
    }
    if (callMs >= viewChangeMs - 25 && callMs < viewChangeMs) continue;
    seq++;
    const view = callMs >= viewChangeMs ? 1 : 0;
    b.operation(client, callMs, view, view, seq, `put k${seq % 100}="v${seq}"`);
    if (seq % 128 === 0) b.checkpoint(callMs + 12, seq, view);
  }
  const messages: MessageRecord[] = b.messages.map((message, i) => {
    if (i % 97 !== 13 || message.receivedMs === undefined) return message;
    const { receivedMs: _, ...rest } = message;
    return { ...rest, lost: 'loss' };
  });
  const built = record(`synthetic run: ${options.clients} clients, ${messages.length} messages`, 9, b, {
    lanes: lanes(4, options.clients),
    views: [
      { view: 0, primary: 0, entered: { 0: 0, 1: 0, 2: 0, 3: 0 } },
      { view: 1, primary: 1, entered: { 0: viewChangeMs - 10, 1: viewChangeMs - 10, 2: viewChangeMs - 10, 3: viewChangeMs - 10 } },
    ],
    verdict: { ok: true, linearizability: 'linearizable', violations: [] },
    evidence: [],
    endMs: options.durationMs,
  });
  return { ...built, messages };
}
