// replay (adversaries/replay.ts): a backup that resends a sample of old frames, its own and
// its peers', while the primary crashes at 3 s and restarts at 5 s (so there is an old view
// to replay). Correct replicas must drop every replay at the gateway, by view and
// watermarks (OSDI'99 §4.2, §4.3), by timestamp (§4.1) or by sender, and keep their log and
// buffers within bounds (§4.3; run.ts reports 'memory-bound' violations).
import { describe, expect, it } from 'vitest';
import replay from '../../adversaries/replay.ts';
import type { FaultySpec } from '../../src/adversary/host.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun, LIGHTLY_LOSSY } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

const FAULTY = 1;

/** Drops at correct replicas of frames the (would-be) faulty replica sent, by reason, read from the trace. */
type Drops = Map<string, number>;

/** The adversary tests' common run (test/support/adversary-run.ts) with the primary down from 3 s to 5 s; 4 s to finish. */
function runScenario(seed: number, faulty: ReadonlyMap<number, FaultySpec>, drops: Drops): SeedRun {
  const dropLine = new RegExp(`^\\S+ \\d+ DROP \\S+ from ${FAULTY}: ([a-z-]+)`);
  return adversaryRun({
    seed,
    network: { ...LIGHTLY_LOSSY, crashes: [{ replica: 0, atMs: 3_000, restartAtMs: 5_000 }] },
    faulty,
    liveness: { liveAfterMs: 0, completeWithinMs: 4_000 },
    trace: (line) => {
      const reason = dropLine.exec(line)?.[1];
      if (reason !== undefined) drops.set(reason, (drops.get(reason) ?? 0) + 1);
    },
  });
}

/** Drops that only freshness checks explain: an older view, a sequence number at or below h, an executed timestamp. */
const stale = (drops: Drops) => (drops.get('wrong-view') ?? 0) + (drops.get('outside-watermarks') ?? 0) + (drops.get('stale-request') ?? 0);

describe('replay, n=4, f=1', () => {
  it('a replaying backup: no violation, memory stays bounded, and correct replicas drop its replays (4 seeds, against honest runs)', () => {
    const problems: string[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const honestDrops: Drops = new Map();
      const attackDrops: Drops = new Map();
      const honest = runScenario(seed, new Map(), honestDrops);
      const attacked = runScenario(seed, new Map([[FAULTY, { definition: replay, options: { everyMs: 250, burst: 8 } }]]), attackDrops);
      // Safety, liveness and memory bounds are checked in every run.
      problems.push(...describeViolations(honest), ...describeViolations(attacked));
      console.log(`replay seed ${seed}: drops of replica ${FAULTY}'s frames, honest ${JSON.stringify(Object.fromEntries(honestDrops))}, replaying ${JSON.stringify(Object.fromEntries(attackDrops))}`);
      // Evidence: peers' frames it forwarded, and its own old frames, dropped by correct replicas.
      const forwarded = attackDrops.get('sender-not-signer') ?? 0;
      if (forwarded < 100) problems.push(`seed ${seed}: only ${forwarded} forwarded frames dropped as not from their signer`);
      if (stale(attackDrops) < stale(honestDrops) + 30) problems.push(`seed ${seed}: stale drops went only from ${stale(honestDrops)} to ${stale(attackDrops)}`);
      if (attacked.report.committed < 100) problems.push(`seed ${seed}: only ${attacked.report.committed} operations committed`);
    }
    expect(problems).toEqual([]);
  });
});
