// The 'p-not-latest' flaw (src/core/flaws.ts): P keeps the first prepared certificate per n
// instead of the one from the highest view (OSDI'99 §4.4). It is observable with one
// faulty replica, but only on a narrow schedule, which a seeded run of the simulator does
// not stumble on; so the schedule is written out here, n = 4, f = 1, Byzantine replica 3
// whose VIEW-CHANGEs leave out P (a lie by omission), and three correct ones:
//   view 0: A prepares at n = 1 at replicas 2 and 3 only, and commits nowhere;
//   view 1: replica 2 is cut off, V = {0, 1, 3} carries no certificate for n = 1, and
//           primary 1 orders B there; replica 2 comes back, B prepares at 1, 2 and 3 and
//           commits at 1 and 2; replica 0 hears nothing of it;
//   view 2: replica 1 is cut off, V = {0, 2, 3}. Replica 2's P names A from view 0 when
//           broken, B from view 1 when sound, and O follows it: broken, replica 0 executes
//           A at n = 1 where replicas 1 and 2 executed B.
import { describe, expect, it } from 'vitest';
import { SafetyChecker } from '../../src/check/safety.ts';
import type { Property } from '../../src/check/violation.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { Message, ViewChange } from '../../src/core/messages.ts';
import { Replica } from '../../src/core/replica.ts';
import { hex, Pump, TEST_PARAMETERS, type Envelope } from '../support/pump.ts';

const T = TEST_PARAMETERS.viewChangeTimeoutMs;
const NORMAL_CASE: ReadonlySet<Message['type']> = new Set(['pre-prepare', 'prepare', 'commit']);

/** The normal-case view of a message, if it has one. */
function normalCaseView(envelope: Envelope): number | undefined {
  const message = envelope.signed.message;
  return NORMAL_CASE.has(message.type) && 'view' in message ? message.view : undefined;
}

function executedAt(pump: Pump, id: number, seq: number): string[] {
  return pump.eventsOf(id, 'executed').filter((event) => event.seq === seq).map((event) => hex(event.digest));
}

/** What the agreement checker makes of the correct replicas' (0, 1, 2) committed batches. */
function agreementViolations(pump: Pump): Property[] {
  const checker = new SafetyChecker({ verifyRequest: () => true });
  for (const { replica, nowMs, event } of pump.timed('committed')) if (replica !== 3) checker.onCommitted(replica, event.seq, event.digest, nowMs);
  return checker.violations.map((violation) => violation.property);
}

function schedule(flaws: ReadonlySet<ProtocolFlaw>): { pump: Pump; a: string; b: string } {
  const pump = new Pump({ parameters: { maxInflightBatches: 1 } });
  for (const id of [0, 1, 2, 3]) (pump.replicas as Replica[])[id] = new Replica({ ...pump.replica(id).config, flaws });
  // Replica 3 is Byzantine: every VIEW-CHANGE it sends leaves out P.
  pump.outbound = (from, output) => {
    const message = output.signed.message;
    if (from === 3 && message.type === 'view-change') return pump.sign<ViewChange>({ ...message, prepared: [] });
    return output.signed;
  };
  const between = (envelope: Envelope, ids: readonly number[]) => envelope.from.kind === 'replica' && ids.includes(envelope.from.id) && ids.includes(envelope.to);

  // View 0: the PRE-PREPARE for A reaches 2 and 3, their PREPAREs each other; nothing else of view 0 arrives.
  pump.fate = (envelope) => {
    if (envelope.from.kind === 'client') return 'deliver';
    if (normalCaseView(envelope) === 0) return between(envelope, [2, 3]) || (envelope.from.id === 0 && [2, 3].includes(envelope.to) && envelope.signed.message.type === 'pre-prepare') ? 'deliver' : 'lose';
    return envelope.signed.message.type === 'request' ? 'lose' : 'deliver';
  };
  const requestA = pump.signRequest(0, 1, { type: 'put', key: 'x', value: 'A' });
  pump.request(requestA, 0);
  pump.run();
  pump.advance(200, 50);
  const a = hex(pump.replica(2).log.get(1)!.digest!);
  expect(pump.replica(2).log.get(1)!.prepared).toBe(true);

  // View 1: replica 2 cut off while 0, 1 and 3 change views; B waits at backups 1 and 3.
  const phase1 = pump.fate;
  let cutOff = 2;
  pump.fate = (envelope) => {
    if (envelope.from.kind === 'replica' && (envelope.from.id === cutOff || envelope.to === cutOff)) return 'lose';
    // Nothing more of view 0 arrives anywhere; replica 0 hears nothing of view 1 (nor any commit certificate).
    const view = normalCaseView(envelope);
    if (view === 0 || (envelope.to === 0 && (view === 1 || envelope.signed.message.type === 'commit-certificate'))) return 'lose';
    return phase1(envelope);
  };
  const requestB = pump.signRequest(1, 1, { type: 'put', key: 'x', value: 'B' });
  for (const id of [1, 3]) pump.request(requestB, id);
  pump.run();
  pump.advance(pump.nowMs + T + 500, 50);
  expect([0, 1, 3].map((id) => pump.replica(id).view)).toEqual([1, 1, 1]);
  // Replica 2 comes back: B prepares at 1, 2 and 3 and commits at 1 and 2.
  cutOff = -1;
  pump.advance(pump.nowMs + T / 2, 50);
  const b = executedAt(pump, 1, 1)[0]!;
  expect(b).not.toBe(a);
  expect(executedAt(pump, 2, 1)).toEqual([b]);
  expect(executedAt(pump, 0, 1)).toEqual([]);

  // View 2: replica 1 cut off; C waits at 0, 2 and 3; V = {0, 2, 3}.
  cutOff = 1;
  const requestC = pump.signRequest(2, 1, { type: 'put', key: 'y', value: 'C' });
  for (const id of [0, 2, 3]) pump.request(requestC, id);
  pump.run();
  pump.advance(pump.nowMs + 3 * T, 50);
  for (const id of [0, 2, 3]) expect(pump.replica(id).view).toBeGreaterThanOrEqual(2);
  return { pump, a, b };
}

describe('p-not-latest: P must carry the certificate of the latest view in which n prepared (OSDI\'99 §4.4), n=4, f=1', () => {
  it('broken: replica 2 reports A from view 0, O orders A at n = 1, and replica 0 executes A where 1 and 2 executed B', () => {
    const { pump, a, b } = schedule(new Set(['p-not-latest']));
    expect(executedAt(pump, 0, 1)).toEqual([a]);
    expect(executedAt(pump, 2, 1)).toEqual([b]);
    expect(agreementViolations(pump)).toContain('agreement');
  });

  it('sound: replica 2 reports B from view 1, and replica 0 executes B at n = 1', () => {
    const { pump, b } = schedule(new Set());
    expect(executedAt(pump, 0, 1)).toEqual([b]);
    expect(agreementViolations(pump)).toEqual([]);
  });
});
