// `pancydb sim --json` reports, per replica, what it sent and received by message type and
// the signatures and verifications it did (`perReplica`), so an attack's cost is visible.
import { describe, expect, it } from 'vitest';
import silent from '../../adversaries/silent.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import { simulate } from '../support/simulate.ts';

const totalMessages = (traffic: Record<string, { messages: number }>) => Object.values(traffic).reduce((sum, { messages }) => sum + messages, 0);

describe('sim report: per-replica cost, n=4, ci profile', () => {
  const run = simulate({ seed: 3 });
  const costs = run.report.perReplica;

  it('has every replica, with messages by type, signatures and verifications', () => {
    expect(Object.keys(costs)).toEqual(['0', '1', '2', '3']);
    for (const cost of Object.values(costs)) {
      expect(cost.signatures).toBeGreaterThan(0);
      expect(cost.verifications).toBeGreaterThanOrEqual(totalMessages(cost.received) / 2);
      // Every reply is signed; so is every PREPARE or PRE-PREPARE and COMMIT.
      expect(cost.signatures).toBeGreaterThanOrEqual(cost.sent.reply?.messages ?? 0);
    }
  });

  it('only the primary of view 0 sends PRE-PREPAREs, and it sends no PREPARE', () => {
    expect(run.report.finalView).toBe(0);
    expect(costs['0']!.sent['pre-prepare']!.messages).toBeGreaterThanOrEqual(3 * run.report.executedSeq);
    expect(costs['0']!.sent.prepare).toBeUndefined();
    for (const backup of ['1', '2', '3']) {
      expect(costs[backup]!.sent['pre-prepare']).toBeUndefined();
      expect(costs[backup]!.sent.prepare!.messages).toBeGreaterThan(0);
    }
  });

  it('adds up: what replicas received is at most what the network delivered', () => {
    const received = Object.values(costs).reduce((sum, cost) => sum + totalMessages(cost.received), 0);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(run.report.messages.delivered);
  });

  it('the same seed gives the same report, byte for byte', () => {
    expect(JSON.stringify(simulate({ seed: 3 }).report)).toBe(JSON.stringify(run.report));
  });
});

describe('sim report: per-replica cost of a silent replica', () => {
  it('a replica silent from the start sends nothing, but hears and signs', () => {
    const faulty = new Map<number, FaultySpec>([[3, { definition: silent, options: { fromS: 0 } }]]);
    const cost = simulate({ seed: 4, faulty }).report.perReplica['3']!;
    expect(cost.sent).toEqual({});
    expect(totalMessages(cost.received)).toBeGreaterThan(100);
    expect(cost.signatures).toBeGreaterThan(0);
  });

  it('a replica the network silences (--silent) sends nothing while silenced', () => {
    const silenced = simulate({ seed: 4, network: { silences: [{ replica: 2, fromMs: 0, untilMs: Infinity }] } }).report.perReplica['2']!;
    expect(silenced.sent).toEqual({});
    expect(totalMessages(silenced.received)).toBeGreaterThan(100);
  });
});
