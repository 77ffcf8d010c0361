// The §5.1 optimizations of OSDI'99 all on at once (read-only requests, digest replies,
// tentative execution; src/sim/optimizations.ts), in both auth modes, over a representative
// set of shipped scenarios: every checker (linearizability included) must stay quiet, and the
// scenario's liveness bound must hold, except where a scenario expects a violation.
//
// The lockseq workload of most shipped scenarios issues no gets, so it tests the read path
// only through its rule that writes need 2f+1 replies. Each lockseq scenario therefore runs
// twice: as shipped, and with its clients on the random workload (its default mix, 40% gets
// over 4 keys), whose gets take the read-only path. The normal case and the lossy network are
// the `pancydb sim` defaults (`ci` profile), with and without 10% loss, built here.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';
import type { Scenario } from '../../src/scenario/scenario.ts';
import { DEFAULT_KEYS, DEFAULT_MIX } from '../../src/scenario/workload-fields.ts';
import { DEFAULT_NETWORK } from '../../src/sim/network.ts';
import { OPTIMIZATIONS } from '../../src/sim/optimizations.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import { runSeed } from '../../src/sim/run.ts';
import { parseOperationMix } from '../../src/sim/workload/random.ts';
import { SCENARIO_DIR } from '../support/scenario-sweep.ts';

/** Seeds 1..SEEDS of each scenario, workload and mode: 32 tests, about 35-40 s in all on the 2-core machine (measured). */
const SEEDS = 3;

/** Shipped scenarios: a view change, an equivocating primary, Byzantine clients, forged replies, and the four built for §5.1. */
const SHIPPED = [
  'silent.json',
  'equivocate.json',
  'byzantine-clients.json',
  'forge-replies.json',
  'read-only-lagging.json',
  'stale-reads.json',
  'forge-replies-digest.json',
  'hidden-prepare.json',
];

/** `pancydb sim --profile ci --duration 4`, in code: no faulty replica, and a network as given. */
function defaultRun(name: string, loss: number): Scenario {
  return {
    name, description: '', path: undefined, n: 4, f: 1, auth: 'signed', optimizations: [],
    network: { ...DEFAULT_NETWORK, loss }, faulty: new Map(), workload: lockseqWorkloadOf('ci', 4), byzantineClients: undefined,
    workloadDurationMs: 4000, durationMs: 6000, parameters: {}, seeds: 1, expect: { kind: 'safe' },
  };
}

/** The same scenario with its clients on the random workload, whose gets take the read-only path. */
function withGets(scenario: Scenario): Scenario {
  return { ...scenario, name: `${scenario.name} + gets`, workload: { kind: 'random', clients: scenario.workload.clients, keys: DEFAULT_KEYS, mix: parseOperationMix(DEFAULT_MIX) } };
}

async function cases(): Promise<Scenario[]> {
  const loaded = [defaultRun('normal case', 0), defaultRun('lossy network (10% loss)', 0.1), ...(await Promise.all(SHIPPED.map((file) => loadScenario(`${SCENARIO_DIR}${file}`))))];
  return loaded.flatMap((scenario) => (scenario.workload.kind === 'lockseq' ? [scenario, withGets(scenario)] : [scenario]));
}

const all = await cases();

describe.each(['signed', 'mac'] as const)('read-only requests, digest replies and tentative execution all on, auth %s', (auth) => {
  it.each(all.map((scenario) => [scenario.name, scenario] as const))(`%s: seeds 1..${SEEDS}`, (_, shipped) => {
    const scenario: Scenario = { ...shipped, auth, optimizations: OPTIMIZATIONS };
    const problems: string[] = [];
    let violating = 0;
    let readOnlyGets = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { report } = runSeed(scenarioRunOptions(scenario, seed));
      expect(report.optimizations).toEqual(OPTIMIZATIONS);
      readOnlyGets += report.reads.accepted;
      if (report.violations.length > 0) violating++;
      for (const violation of report.violations.slice(0, 2)) problems.push(`seed ${seed}: ${violation.property}: ${violation.detail}`);
    }
    if (scenario.expect.kind === 'violation') {
      expect(violating, `${scenario.name} expects a violation within ${SEEDS} seeds`).toBeGreaterThan(0);
      return;
    }
    expect(problems).toEqual([]);
    // Reads ran: a workload with gets answered some of them on the read-only path.
    if (scenario.workload.kind === 'random') expect(readOnlyGets).toBeGreaterThan(0);
  });
});
