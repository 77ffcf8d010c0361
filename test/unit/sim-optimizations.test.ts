// The §5.1 optimizations in the simulator (src/sim/optimizations.ts): a run's setting
// reaches every replica, faulty ones included, and every client, Byzantine ones included;
// slow links make a group of correct replicas lag; and reply-integrity judges a read by the
// answers correct replicas gave it, since no execution ever records one. n=4, f=1.
import { describe, expect, it } from 'vitest';
import silent from '../../adversaries/silent.ts';
import { loadSimCommand, runCommandSeed } from '../../src/cli/sim-seed.ts';
import { SafetyChecker } from '../../src/check/safety.ts';
import { resultDigest } from '../../src/core/digest-replies.ts';
import { createCrypto } from '../../src/crypto/index.ts';
import { createSimulation } from '../../src/sim/cluster.ts';
import { DEFAULT_NETWORK, Network } from '../../src/sim/network.ts';
import { canonicalOptimizations, clientOptimizations, describeOptimizations, OPTIMIZATIONS, replicaOptimizations } from '../../src/sim/optimizations.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { createRng } from '../../src/sim/rng.ts';
import { parseOperationMix } from '../../src/sim/workload/random.ts';
import { simulate } from '../support/simulate.ts';

const RANDOM = { kind: 'random', clients: 3, keys: 4, mix: parseOperationMix('get=2,put=1,cas=1,remove=1') } as const;

describe('optimization names', () => {
  it('are listed once each, in one order, however they were given', () => {
    expect(canonicalOptimizations(['tentative', 'read-only', 'tentative'])).toEqual(['read-only', 'tentative']);
    expect(describeOptimizations([])).toBe('none');
    expect(describeOptimizations(['tentative', 'digest-replies'])).toBe('digest-replies,tentative');
  });

  it('become the ReplicaConfig and ClientConfig fields, absent when off', () => {
    expect(replicaOptimizations(OPTIMIZATIONS)).toEqual({ readOnlyRequests: true, digestReplies: true, tentativeExecution: true });
    expect(clientOptimizations(OPTIMIZATIONS)).toEqual({ readOnly: true, digestReplies: true, tentativeExecution: true });
    expect(replicaOptimizations(['digest-replies'])).toEqual({ digestReplies: true });
    expect(clientOptimizations([])).toEqual({});
  });
});

describe('a run with optimizations on', () => {
  it('sets them on every replica, the faulty one included, and on every client', () => {
    const simulation = createSimulation({
      seed: 1, n: 4, durationMs: 1000, workload: lockseqWorkloadOf('ci', 2), network: DEFAULT_NETWORK,
      optimizations: ['read-only', 'tentative'], faulty: new Map([[3, { definition: silent, options: {} }]]),
    });
    for (const replica of simulation.replicas) expect(replica.config).toMatchObject({ readOnlyRequests: true, tentativeExecution: true });
    for (const replica of simulation.replicas) expect(replica.config.digestReplies).toBeUndefined();
    for (const client of simulation.clients) expect(client.config).toMatchObject({ readOnly: true, tentativeExecution: true });
  });

  it('Byzantine clients send their gets as READs to every replica, and the correct clients finish', () => {
    const run = simulate({
      seed: 2, durationMs: 5000, workloadDurationMs: 3000, workload: RANDOM, optimizations: ['read-only'],
      byzantineClients: { count: 2, kinds: ['flood-valid'], ratePerS: 50 }, liveness: { liveAfterMs: 0, completeWithinMs: 2000 },
    });
    expect(run.report.violations).toEqual([]);
    expect(run.context.byzantineClients!.reads).toBeGreaterThan(10);
    expect(run.context.byzantineClients!.replies).toBeGreaterThan(run.context.byzantineClients!.reads);
    expect(run.report.reads.accepted).toBeGreaterThan(50);
  });

  it('reports which are on and how reads went; a run without reads reports zeros', () => {
    const run = simulate({ seed: 3, durationMs: 3000, workload: RANDOM, optimizations: ['tentative', 'read-only', 'digest-replies'] });
    expect(run.report.optimizations).toEqual(OPTIMIZATIONS);
    expect(run.report.reads.accepted).toBeGreaterThan(50);
    expect(run.report.reads.accepted).toBeLessThanOrEqual(run.context.workloads.completed.get);
    const plain = simulate({ seed: 3, durationMs: 3000, workload: RANDOM });
    expect(plain.report.optimizations).toEqual([]);
    expect(plain.report.reads).toEqual({ accepted: 0, fellBack: 0 });
  });
});

describe('network: slow links', () => {
  const network = new Network({ ...DEFAULT_NETWORK, slowLinks: [{ fromMs: 100, untilMs: 200, to: [2, 3], delayMs: 40 }] }, createRng(1));
  const arrival = (from: number | 'client', to: number, nowMs: number) => {
    const fate = network.transmit(from === 'client' ? { kind: 'client', id: 0 } : { kind: 'replica', id: from }, { kind: 'replica', id: to }, nowMs);
    return 'delivered' in fate ? fate.delivered[0]! - nowMs : undefined;
  };

  it('delay messages from other replicas into the named ones, in the window only', () => {
    expect(arrival(0, 2, 150)).toBe(47);
    expect(arrival(1, 3, 199)).toBe(47);
    expect(arrival(0, 2, 99)).toBe(7);
    expect(arrival(0, 2, 200)).toBe(7);
  });

  it('leave links among the named replicas, out of them, and from clients alone', () => {
    expect(arrival(2, 3, 150)).toBe(7);
    expect(arrival(3, 0, 150)).toBe(7);
    expect(arrival('client', 2, 150)).toBe(7);
  });
});

describe('reply-integrity with reads and tentative replies', () => {
  const crypto = createCrypto('noble');
  const digest = (value: string) => resultDigest(crypto, { status: 'ok', value, version: 1 });

  it('accepts a result a correct replica answered the read with, and flags one none did', () => {
    const checker = new SafetyChecker({ verifyRequest: () => true });
    checker.onReadAnswered(5, 9, digest('old'));
    checker.onReadAnswered(5, 9, digest('new'));
    checker.onReadAccepted(5, 9, digest('new'), [0, 1, 2], 10);
    expect(checker.violations).toEqual([]);
    checker.onReadAnswered(5, 10, digest('new'));
    checker.onReadAccepted(5, 10, digest('forged'), [0, 1, 3], 20);
    expect(checker.violations.map(({ property, detail }) => `${property}: ${detail}`)).toEqual([
      'reply-integrity: client 5 read t=10 accepted a result no honest replica answered with (from replicas 0,1,3)',
    ]);
  });

  it('a result accepted on tentative replies whose batch the run ended before executing is an unknown outcome, not a violation', async () => {
    const checker = new SafetyChecker({ verifyRequest: () => true });
    checker.onClientAccepted(2, 7, { status: 'ok', value: 'a', version: 3 }, [0, 1, 2], 99);
    checker.onClientAccepted(2, 8, { status: 'ok', value: 'b', version: 4 }, [0, 1, 2], 99);
    checker.finish(100, (key) => key === '2:7');
    expect(checker.violations.map(({ detail }) => detail)).toEqual(['client 2 accepted a result for 2:8 that no honest replica executed']);
    // Seed 27 of this run ends while a batch that clients accepted tentatively has prepared but not committed.
    const command = await loadSimCommand(['-S', '27', '--profile', 'ci', '--workload', 'random', '--tentative', '--jitter', '10', '--duration', '0.5']);
    expect(runCommandSeed(command, 27).report.violations).toEqual([]);
  });

  it('needs no execution of a read: an accepted read leaves nothing for the end of the run', () => {
    const checker = new SafetyChecker({ verifyRequest: () => true });
    checker.onReadAnswered(1, 1, digest('a'));
    checker.onReadAccepted(1, 1, digest('a'), [0, 1, 2], 5);
    checker.onReadAnswered(1, 2, digest('a'));
    checker.forgetRead(1, 2);
    checker.finish(100);
    expect(checker.violations).toEqual([]);
  });
});
