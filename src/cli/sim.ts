// `pancydb sim`: run seeds, print per-seed counts, finish with PASS or FAIL and the
// command that replays the first failing seed.
import { runSeed, type SeedReport } from '../sim/run.ts';
import type { SimulationContext } from '../sim/cluster.ts';
import { parseSimArgs, SIM_HELP, type SimCommand } from './sim-options.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export function runSimCommand(args: readonly string[], output: Output): number {
  const command = parseSimArgs(args);
  if (command.help) {
    output.out(SIM_HELP);
    return 0;
  }
  let failures = 0;
  let firstFailure: number | undefined;
  for (let seed = command.firstSeed; seed < command.firstSeed + command.seeds; seed++) {
    const { report, context } = runOneSeed(command, seed, output);
    if (command.json) output.out(JSON.stringify(report));
    else output.out(summaryLine(report));
    if (command.printDatabase) printDatabases(context, output);
    if (report.violations.length > 0) {
      failures++;
      firstFailure ??= seed;
      if (!command.json) for (const violation of report.violations) output.out(`  VIOLATION ${violation.property}: ${violation.detail} (seed ${seed})`);
    }
  }
  if (firstFailure === undefined) {
    output.out(`PASS seeds=${command.seeds} failures=0`);
    return 0;
  }
  output.out(`FAIL seeds=${command.seeds} failures=${failures} first=${firstFailure}`);
  output.out(`replay: ${replayCommand(command, firstFailure)}`);
  return 1;
}

export function replayCommand(command: SimCommand, seed: number): string {
  const flags = command.replayFlags.filter((flag) => flag !== '-V');
  return ['npx pancydb sim', '-S', String(seed), ...flags, '-V'].join(' ');
}

function runOneSeed(command: SimCommand, seed: number, output: Output): { report: SeedReport; context: SimulationContext } {
  const parameters = command.maxBatch === undefined ? {} : { parameters: { maxBatch: command.maxBatch } };
  const trace = command.verbose ? { trace: (line: string) => output.out(line) } : {};
  const quietTail = command.workloadDurationMs === undefined ? {} : { workloadDurationMs: command.workloadDurationMs };
  const { report, context } = runSeed({
    seed,
    n: command.n,
    durationMs: command.durationMs,
    workload: command.workload,
    network: command.network,
    cryptoBackend: command.crypto,
    ...parameters,
    ...trace,
    ...quietTail,
  });
  return { report, context };
}

function summaryLine(report: SeedReport): string {
  const verdict = report.violations.length === 0 ? 'ok' : `${report.violations.length} violation(s)`;
  return (
    `seed ${report.seed}: ${report.lock} lock, ${report.write} write, ${report.clear} clear, ${report.unlock} unlock; ` +
    `${report.committed} ops committed in ${report.executedSeq} batches, latency p50 ${report.latencyMs.p50.toFixed(1)} ms ` +
    `p99 ${report.latencyMs.p99.toFixed(1)} ms; ${verdict}`
  );
}

function printDatabases(context: SimulationContext, output: Output): void {
  for (const replica of context.replicas) {
    const snapshot = replica.store.snapshot();
    output.out(`  replica ${replica.id} database (nextVersion=${snapshot.nextVersion}, ${snapshot.entries.length} keys, executed n=${replica.lastExecuted}):`);
    for (const [key, value, version] of snapshot.entries) output.out(`    ${key} = ${JSON.stringify(value)} @${version}`);
  }
}
