// Time from a primary going silent to the first batch executed in the next view, over
// seeds of the ci workload: `npx tsx bench/recovery.ts [--seeds N] [--loss P]`.
// Figures are simulated milliseconds, so they do not depend on the machine.
import { DEFAULT_NETWORK } from '../src/sim/network.ts';
import { lockseqWorkloadOf } from '../src/sim/profiles.ts';
import { runSeed } from '../src/sim/run.ts';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const seeds = flag('--seeds', 20);
const loss = flag('--loss', 0);
const silentAtMs = 3_000;
const recoveries: number[] = [];
const viewChanges: number[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  let firstInNewView: number | undefined;
  const { report } = runSeed({
    seed, n: 4, durationMs: 10_000, workload: lockseqWorkloadOf('ci'),
    network: { ...DEFAULT_NETWORK, loss, silences: [{ replica: 0, fromMs: silentAtMs, untilMs: Infinity }] },
    trace: (line) => {
      const match = /^(\d+\.\d+) \d+ EXECUTE v=([1-9]\d*) /.exec(line);
      if (match !== null && firstInNewView === undefined) firstInNewView = Number(match[1]) * 1000;
    },
  });
  if (report.violations.length > 0) throw new Error(`seed ${seed}: ${JSON.stringify(report.violations)}`);
  if (firstInNewView !== undefined) recoveries.push(firstInNewView - silentAtMs);
  viewChanges.push(report.viewChanges);
}
recoveries.sort((a, b) => a - b);
const at = (p: number) => recoveries[Math.min(recoveries.length - 1, Math.floor(p * recoveries.length))]!.toFixed(0);
console.log(`silent primary at 3 s, loss ${loss}, ${seeds} seeds: recovered in ${recoveries.length}; silence → first execution in a new view: min ${at(0)} ms, p50 ${at(0.5)} ms, max ${at(1)} ms; view changes per seed: ${[...new Set(viewChanges)].sort().join('/')}`);
