// Runs a range of seeds and collects failures with the command that replays each.
import { evidenceProblems } from './evidence-check.ts';
import { simulate, type ScenarioOptions } from './simulate.ts';

export interface SweepOptions extends Omit<ScenarioOptions, 'seed'> {
  readonly firstSeed: number;
  readonly seeds: number;
  /** Extra flags of the replay command, matching the options. */
  readonly replayFlags?: string;
}

export function sweep(options: SweepOptions): { failures: string[]; committed: number } {
  const { firstSeed, seeds, replayFlags, ...scenario } = options;
  const failures: string[] = [];
  let committed = 0;
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const run = simulate({ ...scenario, seed });
    committed += run.report.committed;
    for (const violation of run.report.violations) {
      failures.push(`${violation.property}: ${violation.detail} — replay: npx pancydb sim -S ${seed} --profile ci ${replayFlags ?? ''} -V`);
    }
    // Evidence of equivocation (src/core/evidence.ts) must never name a correct replica.
    failures.push(...evidenceProblems(run.report));
  }
  return { failures, committed };
}
