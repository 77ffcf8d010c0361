// The long version of the crash tests (test/deploy/crash-processes.test.ts):
//   npm run chaos -- --rounds 20                  # kill -9 one replica per round, restart it
//   npm run chaos -- --rounds 5 --whole-cluster   # kill -9 all four at once (needs durable replicas)
//   npm run chaos -- --rounds 20 --seed 7 --clients 3 --victims backups --out /tmp/chaos.md
//   npm run chaos -- --rounds 20 --amnesia        # each restarted replica has lost its disk
// Four `pancydb replica` processes behind the chaos proxy (test/support/chaos/), under load
// from --clients library clients. Each round waits for progress, kills a replica chosen by a
// seeded RNG (the primary about one round in three; --victims backups: never the primary),
// waits for progress without it (f = 1),
// restarts it on the same --data directory and times its catch-up (lastExecuted reaches the
// others', recovering over). --whole-cluster kills every replica at once, restarts them all
// and times until clients are answered again; acknowledged writes lost count there.
// At the end: the replicas' state digests compared, the history checked for
// linearizability, the final state read for lost writes, and every replica-to-replica frame
// seen on the wire checked for two digests at one (v, n, phase).
// A round that stalls (no progress within 30 s) ends the run; the report then says which.
// Prints a markdown table and writes it to bench/results/chaos.md (or --out). Exit status:
// 0 all held, 1 something did not, 2 a bad flag (the message names it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../src/cli/usage-error.ts';
import { runBenchScript, withTimeout } from './script.ts';
import { parseFlags, wholeFlag } from '../src/deploy/args.ts';
import { createRng, type Rng } from '../src/sim/rng.ts';
import { killAll, run } from '../test/deploy/processes.ts';
import { ChaosCluster } from '../test/support/chaos/cluster.ts';
import { Load } from '../test/support/chaos/load.ts';

interface Options {
  readonly rounds: number;
  readonly seed: number;
  readonly clients: number;
  readonly wholeCluster: boolean;
  /** Who may be killed in one-replica rounds: anyone (the primary about one round in three) or backups only. */
  readonly victims: 'any' | 'backups';
  /** Restart with `pancydb replica --amnesia`: the disk is lost, the restart guard takes over. */
  readonly amnesia: boolean;
  readonly out: string;
}

interface Tally {
  kills: number;
  restarts: number;
  /** ms from a restarted replica's ready line to caught up (whole cluster: to clients answered again). */
  readonly catchUpMs: number[];
  readonly victims: string[];
}

const PARAMETERS = { checkpointInterval: 10, logWindow: 20 };
const CATCH_UP_MS = 20_000;
/** Progress must resume within this (view-change timeouts double up to 16 s). */
const PROGRESS_MS = 30_000;
const REPLICAS = [0, 1, 2, 3];

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseFlags(argv, {
    rounds: { type: 'string' },
    seed: { type: 'string' },
    clients: { type: 'string' },
    'whole-cluster': { type: 'boolean' },
    victims: { type: 'string' },
    amnesia: { type: 'boolean' },
    out: { type: 'string' },
  });
  if (values.out === '') throw new UsageError('--out: must name a file');
  const victims = values.victims ?? 'any';
  if (victims !== 'any' && victims !== 'backups') throw new UsageError(`--victims: must be any or backups, got ${JSON.stringify(victims)}`);
  if (values['whole-cluster'] === true && values.victims !== undefined) throw new UsageError('--victims: not with --whole-cluster, which kills every replica');
  if (values['whole-cluster'] === true && values.amnesia === true) throw new UsageError('--amnesia: not with --whole-cluster; all four without their disks have nothing to recover from');
  return {
    rounds: wholeFlag('--rounds', values.rounds, 1, 10_000) ?? 10,
    seed: wholeFlag('--seed', values.seed, 0, Number.MAX_SAFE_INTEGER) ?? 1,
    clients: wholeFlag('--clients', values.clients, 1, 32) ?? 3,
    wholeCluster: values['whole-cluster'] === true,
    victims,
    amnesia: values.amnesia === true,
    out: values.out ?? 'bench/results/chaos.md',
  };
}

/** Whole-cluster crashes lose everything unless replicas write a log to disk; refuse a build without one. */
async function checkDurable(): Promise<void> {
  const help = await run(['replica', '--help']);
  if (!help.stdout.includes('--durability')) {
    throw new UsageError('--whole-cluster: needs durable replicas (`pancydb replica --durability fsync`), which this build does not have yet');
  }
}

async function killOne(cluster: ChaosCluster, load: Load, rng: Rng, { victims, amnesia }: Options, tally: Tally): Promise<void> {
  const primary = await cluster.primary();
  const backups = REPLICAS.filter((id) => id !== primary);
  const victim = victims === 'any' && rng.chance(1 / 3) ? primary : backups[rng.int(0, backups.length - 1)]!;
  tally.victims.push(victim === primary ? `${victim} (primary)` : String(victim));
  await cluster.kill(victim);
  tally.kills++;
  await load.waitAcknowledged(10, PROGRESS_MS);
  await cluster.startReplica(victim, amnesia ? ['--amnesia'] : []);
  tally.restarts++;
  const others = REPLICAS.filter((id) => id !== victim);
  tally.catchUpMs.push(await cluster.waitCaughtUp(victim, await cluster.maxLastExecuted(others), CATCH_UP_MS));
}

async function killAllAtOnce(cluster: ChaosCluster, load: Load, tally: Tally): Promise<void> {
  tally.victims.push('all');
  await Promise.all(REPLICAS.map((id) => cluster.kill(id)));
  tally.kills += REPLICAS.length;
  await Promise.all(REPLICAS.map((id) => cluster.startReplica(id)));
  tally.restarts += REPLICAS.length;
  const startedAtMs = Date.now();
  await load.waitAcknowledged(10, PROGRESS_MS);
  tally.catchUpMs.push(Date.now() - startedAtMs);
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function commandOf(options: Options): string {
  const mode = options.wholeCluster ? ' --whole-cluster' : options.victims === 'backups' ? ' --victims backups' : '';
  return `npm run chaos -- --rounds ${options.rounds} --seed ${options.seed} --clients ${options.clients}${mode}${options.amnesia ? ' --amnesia' : ''}`;
}

/** What the end of a run found; undefined fields were not reached (the run stopped early). */
interface Outcome {
  roundsDone: number;
  lost: number | undefined;
  verdict: string | undefined;
  end: Record<string, any> | undefined;
  readonly problems: string[];
}

async function main(options: Options): Promise<number> {
  if (options.wholeCluster) await checkDurable();
  const dir = mkdtempSync(join(os.tmpdir(), 'pancydb-chaos-'));
  const startedAtMs = Date.now();
  const tally: Tally = { kills: 0, restarts: 0, catchUpMs: [], victims: [] };
  const outcome: Outcome = { roundsDone: 0, lost: undefined, verdict: undefined, end: undefined, problems: [] };
  let cluster: ChaosCluster | undefined;
  let load: Load | undefined;
  try {
    // Whole-cluster rounds need the disk; named here so a changed default cannot weaken them.
    const replicaArgs = options.wholeCluster ? ['--durability', 'fsync'] : [];
    cluster = await ChaosCluster.start({ dir, clients: options.clients + 1, parameters: PARAMETERS, replicaArgs });
    const rng = createRng(`chaos/${options.seed}`);
    load = new Load(cluster.config, dir, options.clients, rng.fork('load'));
    try {
      await rounds(options, cluster, load, rng, tally, outcome);
    } catch (error) {
      outcome.problems.push(`round ${outcome.roundsDone + 1}: ${(error as Error).message}`);
      await describeReplicas(cluster);
    }
    await finish(options, cluster, load, outcome);
  } catch (error) {
    outcome.problems.push((error as Error).message);
  } finally {
    await load?.stop(0);
    await cluster?.stop();
    killAll();
    rmSync(dir, { recursive: true, force: true });
  }
  const report = table(options, tally, load?.acknowledged ?? 0, outcome, cluster, Date.now() - startedAtMs);
  process.stdout.write(report);
  writeFileSync(options.out, report);
  if (outcome.problems.length > 0) process.stderr.write(`chaos: ${outcome.problems.length} problem(s)\nreplay: ${commandOf(options)}\n`);
  return outcome.problems.length === 0 ? 0 : 1;
}

async function rounds(options: Options, cluster: ChaosCluster, load: Load, rng: Rng, tally: Tally, outcome: Outcome): Promise<void> {
  for (let round = 0; round < options.rounds; round++) {
    await load.waitAcknowledged(10, PROGRESS_MS);
    if (options.wholeCluster) await killAllAtOnce(cluster, load, tally);
    else await killOne(cluster, load, rng.fork(`round ${round}`), options, tally);
    outcome.roundsDone++;
    process.stderr.write(`round ${round + 1}/${options.rounds}: killed ${tally.victims.at(-1)}, back in ${tally.catchUpMs.at(-1)} ms, ${load.acknowledged} ops acknowledged\n`);
  }
}

/** The end checks: convergence, lost writes, linearizability, signed-twice; each bounded, so a stalled cluster still gets a report. */
async function finish(options: Options, cluster: ChaosCluster, load: Load, outcome: Outcome): Promise<void> {
  await load.stop(20_000);
  try {
    // After a stall the killed replica is still down: the running ones must still agree.
    outcome.end = (await cluster.waitConverged(REPLICAS.filter((id) => cluster.processes[id] !== undefined), 60_000))[0];
    const lost = load.lostWrites(await withTimeout(load.readAll(options.clients), 30_000, 'the final reads'));
    outcome.lost = lost.length;
    outcome.problems.push(...lost.map((operation) => `lost: ${operation}`));
  } catch (error) {
    outcome.problems.push((error as Error).message);
  }
  const check = load.check();
  outcome.verdict = check.verdict;
  outcome.problems.push(...check.violations.map((violation) => `${violation.kind}: ${violation.detail}`));
  if (check.verdict === 'unknown') outcome.problems.push('linearizability: the checker ran out of steps');
  outcome.problems.push(...cluster.proxy.violations.map((violation) => violation.detail));
}

/** On a stall: each replica's view, activity and progress, and its last log lines. */
async function describeReplicas(cluster: ChaosCluster): Promise<void> {
  for (const [id, status] of (await cluster.statuses()).entries()) {
    const summary = status === undefined ? 'no answer' : JSON.stringify({ view: status['view'], active: status['active'], lastExecuted: status['lastExecuted'], recovering: status['recovering'], connectedReplicas: status['connectedReplicas'] });
    process.stderr.write(`replica ${id}: ${summary}\n`);
    for (const line of cluster.processes[id]?.lines.slice(-8) ?? []) process.stderr.write(`  [r${id}] ${line}\n`);
  }
}

/** What the replicas' ready lines say ("durability none", "durability fsync"). */
function durabilityOf(cluster: ChaosCluster | undefined): string {
  const ready = cluster?.readyLines.find((line) => / durability \w+/.test(line));
  return ready === undefined ? 'unknown' : / durability (\w+)/.exec(ready)![1]!;
}

function table(options: Options, tally: Tally, acknowledged: number, outcome: Outcome, cluster: ChaosCluster | undefined, elapsedMs: number): string {
  const seconds = (ms: number) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`);
  const linearizable = outcome.verdict === undefined ? '-' : outcome.verdict === 'linearizable' ? 'yes' : outcome.verdict === 'unknown' ? 'unknown' : 'no';
  const signedTwice = cluster === undefined ? '-' : cluster.proxy.violations.length === 0 ? 'never' : String(cluster.proxy.violations.length);
  const mode = options.wholeCluster
    ? 'whole cluster (all four killed at once; catch-up = restart to clients answered again)'
    : `one replica per round, ${options.victims === 'any' ? 'the primary about one round in three' : 'backups only'}${options.amnesia ? ', each restarted without its disk (--amnesia)' : ''} (catch-up = ready line to lastExecuted reaching the others\', recovering over)`;
  const end = outcome.end;
  return [
    '# Chaos run: kill -9 on replica processes',
    '',
    `Command: \`${commandOf(options)}\``,
    `Machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; ${new Date().toISOString().slice(0, 10)}; ${seconds(elapsedMs)} wall.`,
    `Cluster: n=4, f=1, K=${PARAMETERS.checkpointInterval}, L=${PARAMETERS.logWindow}, durability ${durabilityOf(cluster)}, every replica behind the chaos proxy; ${options.clients} clients (get/put/cas on 6 keys).`,
    `Mode: ${mode}.`,
    '',
    '| rounds | kills | restarts | ops acknowledged | ops lost | catch-up p50 | catch-up max | linearizable | signed twice |',
    '|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|',
    `| ${outcome.roundsDone} of ${options.rounds} | ${tally.kills} | ${tally.restarts} | ${acknowledged} | ${outcome.lost ?? '-'} | ${seconds(percentile(tally.catchUpMs, 50))} | ${seconds(percentile(tally.catchUpMs, 100))} | ${linearizable} | ${signedTwice} |`,
    '',
    `Killed, by round: ${tally.victims.join(', ') || 'none'}.`,
    end === undefined ? 'End: the replicas did not converge.' : `End: every running replica at lastExecuted ${end['lastExecuted']}, view ${end['view']}, stateDigest ${String(end['stateDigest']).slice(0, 16)}…; ${cluster?.proxy.framesObserved ?? 0} replica frames checked on the wire.`,
    ...(outcome.problems.length === 0 ? [] : ['', '## Problems', '', ...outcome.problems.map((problem) => `- ${problem}`)]),
    '',
  ].join('\n');
}

runBenchScript('chaos', 'usage: npm run chaos -- [--rounds N] [--seed S] [--clients C] [--victims any|backups] [--whole-cluster] [--out FILE]', parseOptions, main);
