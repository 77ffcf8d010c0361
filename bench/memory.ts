// Issue 10's memory target, "resident size flat (±10%) over 1,000,000 operations on a real
// cluster":
//   npm run bench:memory -- [--ops N] [--clients C] [--auth mac|signed] [--durability fsync|none]
//                           [--warmup-ops W] [--out FILE]
// A fresh n=4 testnet in a temp dir, four `pancydb replica` processes, and a closed loop of C
// clients (src/deploy/bench/closed-loop.ts) of 100-byte puts over 1,000 keys until N
// operations are acknowledged. Each replica's resident set size (VmRSS in /proc/PID/status)
// is read after W warm-up operations (the baseline: JIT, buffers and the key space have
// settled by then) and every 5% of N after that. Prints a Markdown table and a verdict per
// replica and writes them to bench/results/memory.md (or --out).
// Exit status: 0 the run completed and no replica's RSS grew (or shrank) by more than 10%
// from the first quarter of the run to the last (verdicts() says why quarters), 1 it did not (or the run failed: a replica exited, progress stalled), 2 a bad flag (the
// message names it).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/cli/usage-error.ts';
import { runBenchScript } from './script.ts';
import type { AuthMode } from '../src/core/auth.ts';
import { createFastestCrypto } from '../src/crypto/index.ts';
import { parseFlags, wholeFlag } from '../src/deploy/args.ts';
import { PUT_ONLY, runClosedLoop, type Execute } from '../src/deploy/bench/closed-loop.ts';
import { allReady, startPancydb, stopProcess, type ServerProcess } from '../src/deploy/bench/processes.ts';
import { waitUntil } from '../src/deploy/bench/tcp-bench.ts';
import { connect, type ConnectedClient } from '../src/deploy/connect.ts';
import { keyFileName, readKeyFile } from '../src/deploy/key-file.ts';
import { generateTestnet } from '../src/deploy/testnet.ts';

interface Options {
  readonly ops: number;
  readonly clients: number;
  readonly auth: AuthMode;
  readonly durability: 'fsync' | 'none';
  readonly warmupOps: number;
  readonly out: string;
}

/** One row of the table: where the run was when the replicas' RSS was read. */
interface Sample {
  readonly ops: number;
  readonly elapsedMs: number;
  readonly rssBytes: readonly number[];
}

const USAGE = 'usage: npm run bench:memory -- [--ops N] [--clients C] [--auth mac|signed] [--durability fsync|none] [--warmup-ops W] [--out FILE]';
// This script is not the pancydb command, so startPancydb is told what runs it.
const PANCYDB = [fileURLToPath(new URL('../bin/pancydb.js', import.meta.url))];
const N = 4;
const KEYS = 1000;
const VALUE_BYTES = 100;
/** Rows after the baseline: one per 5% of the run. */
const STEPS = 20;
const FLAT = 0.1;
const DEFAULT_WARMUP_OPS = 20_000;
const READY_MS = 120_000;
const CONNECT_MS = 60_000;
/** No acknowledgement for this long ends the run (view changes back off to 16 s at most). */
const STALL_MS = 60_000;
/** The closed loop's time cap; the run ends on the count (or a stall) long before. */
const CAP_MS = 24 * 3600_000;
const MIB = 1024 * 1024;

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseFlags(argv, {
    ops: { type: 'string' },
    clients: { type: 'string' },
    auth: { type: 'string' },
    durability: { type: 'string' },
    'warmup-ops': { type: 'string' },
    out: { type: 'string' },
  });
  const auth = values.auth ?? 'mac';
  if (auth !== 'mac' && auth !== 'signed') throw new UsageError(`--auth: must be mac or signed, got ${JSON.stringify(auth)}`);
  const durability = values.durability ?? 'fsync';
  if (durability !== 'fsync' && durability !== 'none') throw new UsageError(`--durability: must be fsync or none, got ${JSON.stringify(durability)}`);
  if (values.out === '') throw new UsageError('--out: must name a file');
  const ops = wholeFlag('--ops', values.ops, 2, 1_000_000_000) ?? 1_000_000;
  // A short run keeps half of its operations for the measured part.
  const warmupOps = wholeFlag('--warmup-ops', values['warmup-ops'], 1, 1_000_000_000) ?? Math.min(DEFAULT_WARMUP_OPS, Math.floor(ops / 2));
  if (warmupOps >= ops) throw new UsageError(`--warmup-ops: must be less than --ops (${ops}), got ${warmupOps}`);
  return {
    ops,
    clients: wholeFlag('--clients', values.clients, 1, 1000) ?? 50,
    auth,
    durability,
    warmupOps,
    out: values.out ?? 'bench/results/memory.md',
  };
}

function commandOf(options: Options): string {
  const out = /^[\w./-]+$/.test(options.out) ? options.out : JSON.stringify(options.out);
  return `npm run bench:memory -- --ops ${options.ops} --clients ${options.clients} --auth ${options.auth} --durability ${options.durability} --warmup-ops ${options.warmupOps} --out ${out}`;
}

/** The acknowledged counts at which RSS is read: the warm-up's end, then every 5% of the run beyond it. */
function samplePoints(options: Options): number[] {
  const points = [options.warmupOps];
  for (let step = 1; step <= STEPS; step++) {
    const at = Math.round((options.ops * step) / STEPS);
    if (at > points.at(-1)!) points.push(at);
  }
  return points;
}

/** A field of /proc/PID/status in bytes (VmRSS, VmHWM), or NaN if the process is gone. */
function procStatusBytes(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

interface Outcome {
  readonly samples: Sample[];
  acknowledged: number;
  errors: number;
  readyLine: string | undefined;
  peakBytes: number[];
  elapsedMs: number;
  readonly problems: string[];
}

async function main(options: Options): Promise<number> {
  const loadAtStart = os.loadavg();
  const wallStartMs = Date.now();
  const dir = mkdtempSync(join(os.tmpdir(), 'pancydb-memory-'));
  const replicas: ServerProcess[] = [];
  const clients: ConnectedClient[] = [];
  const outcome: Outcome = { samples: [], acknowledged: 0, errors: 0, readyLine: undefined, peakBytes: [], elapsedMs: 0, problems: [] };
  // Killed by a signal (not Ctrl-C, which reaches the replicas too): leave no replica behind.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(128 + os.constants.signals[signal]);
  };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal).once('SIGHUP', onSignal);
  try {
    if (Number.isNaN(procStatusBytes(process.pid, 'VmRSS'))) throw new Error('no /proc/PID/status here: this benchmark reads RSS from Linux /proc');
    await run(options, dir, replicas, clients, outcome);
  } catch (error) {
    outcome.problems.push((error as Error).message);
  } finally {
    for (const client of clients) client.close();
    await Promise.all(replicas.map((replica) => stopProcess(replica)));
    rmSync(dir, { recursive: true, force: true });
  }
  const report = renderReport(options, outcome, { loadAtStart, loadAtEnd: os.loadavg(), wallMs: Date.now() - wallStartMs });
  process.stdout.write(report);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, report);
  process.stderr.write(`wrote ${options.out}\n`);
  if (outcome.problems.length > 0) return 1;
  const judged = verdicts(outcome.samples);
  return judged.length > 0 && judged.every((verdict) => verdict.flatTrend) ? 0 : 1;
}

async function run(options: Options, dir: string, replicas: ServerProcess[], clients: ConnectedClient[], outcome: Outcome): Promise<void> {
  const crypto = createFastestCrypto();
  const testnet = await generateTestnet({ n: N, out: dir, hosts: ['127.0.0.1'], clients: options.clients, crypto, auth: options.auth });
  for (const { id } of testnet.config.replicas) {
    const args = ['replica', '--cluster', testnet.file, '--id', String(id), '--data', join(dir, 'data', `replica-${id}`), '--durability', options.durability];
    replicas.push(startPancydb(`replica ${id}`, args, /^replica \d+ ready:/, [], PANCYDB));
  }
  outcome.readyLine = (await allReady(replicas, READY_MS))[0];
  for (let id = 0; id < options.clients; id++) clients.push(connect(testnet.config, readKeyFile(join(dir, keyFileName('client', id)), crypto), { clientId: id, crypto }));
  await waitUntil(() => clients.every((client) => client.network.connectedReplicas().length === N), CONNECT_MS, `${options.clients} clients connected to every replica`);
  process.stderr.write(`memory: 4 replicas ready, ${options.clients} clients connected; running to ${options.ops.toLocaleString('en-US')} ops\n`);

  const points = samplePoints(options);
  const startMs = performance.now();
  let failure: string | undefined;
  // Closing the clients rejects their calls in flight, so the loop ends at once.
  const abort = (why: string) => {
    failure ??= why;
    for (const client of clients) client.close();
  };
  const sample = (ops: number) => {
    const taken: Sample = { ops, elapsedMs: performance.now() - startMs, rssBytes: replicas.map((replica) => procStatusBytes(replica.child.pid, 'VmRSS')) };
    outcome.samples.push(taken);
    const previous = outcome.samples.at(-2);
    process.stderr.write(`memory: ${ops.toLocaleString('en-US')} ops, ${(taken.elapsedMs / 1000).toFixed(1)} s, ${opsPerS(taken, previous).toFixed(0)} ops/s, RSS MiB ${taken.rssBytes.map((bytes) => (bytes / MIB).toFixed(1)).join(' ')}\n`);
  };
  const executes = clients.map((client): Execute => async (operation) => {
    const result = await client.execute(operation);
    outcome.acknowledged++;
    // Synchronous /proc reads: the row is taken at exactly this count.
    if (outcome.acknowledged === points[outcome.samples.length]) sample(outcome.acknowledged);
    return result;
  });
  for (const replica of replicas) void replica.exited.then(() => abort(`${replica.name} exited during the run:\n${replica.tail.slice(-10).join('\n')}`));
  let lastCount = -1;
  let lastProgressMs = performance.now();
  const watchdog = setInterval(() => {
    if (outcome.acknowledged !== lastCount) [lastCount, lastProgressMs] = [outcome.acknowledged, performance.now()];
    else if (performance.now() - lastProgressMs > STALL_MS) abort(`no operation acknowledged for ${STALL_MS / 1000} s (at ${outcome.acknowledged})`);
  }, 1000);
  try {
    const result = await runClosedLoop(executes, { warmupMs: 0, durationMs: CAP_MS, valueBytes: VALUE_BYTES, mix: PUT_ONLY, keys: KEYS, until: () => outcome.acknowledged >= options.ops || failure !== undefined });
    outcome.errors = result.errors;
  } finally {
    clearInterval(watchdog);
    outcome.elapsedMs = performance.now() - startMs;
  }
  outcome.peakBytes = replicas.map((replica) => procStatusBytes(replica.child.pid, 'VmHWM'));
  // Only failures of the run itself are problems; errors once it was aborted are its echo.
  if (failure !== undefined) outcome.problems.push(failure);
  else if (outcome.errors > 0) outcome.problems.push(`${outcome.errors} operations failed`);
}

/** ops/s since the previous row (over the warm-up for the baseline). */
function opsPerS(sample: Sample, previous: Sample | undefined): number {
  return (sample.ops - (previous?.ops ?? 0)) / ((sample.elapsedMs - (previous?.elapsedMs ?? 0)) / 1000);
}

interface Verdict {
  readonly endRatio: number;
  readonly minRatio: number;
  readonly maxRatio: number;
  /** Every row after the baseline within ±10% of it. */
  readonly flat: boolean;
  /** Mean RSS of the last quarter of rows over the mean of the first quarter (after the baseline). */
  readonly trend: number;
  /** The trend within ±10%: no growth beyond the garbage collector's swing. */
  readonly flatTrend: boolean;
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Per replica, two readings of "flat". The strict one holds every row to the one baseline
 * row; but V8's heap grows and shrinks by 15-25 MiB between collections (a 100,000-op run
 * went 1.10× up and back to 0.90×), so one row can land on a peak by chance. The trend
 * compares the first and the last quarter of the run, each averaged: a leak grows it, a
 * swing does not. The exit status follows the trend; the report gives both.
 */
function verdicts(samples: readonly Sample[]): Verdict[] {
  const [baseline, ...rest] = samples;
  if (baseline === undefined || rest.length === 0) return [];
  const quarter = Math.max(1, Math.floor(rest.length / 4));
  return baseline.rssBytes.map((base, replica) => {
    const bytes = rest.map((sample) => sample.rssBytes[replica]!);
    const ratios = bytes.map((value) => value / base);
    const minRatio = Math.min(...ratios);
    const maxRatio = Math.max(...ratios);
    const trend = mean(bytes.slice(-quarter)) / mean(bytes.slice(0, quarter));
    // NaN (a replica gone) fails every comparison: not flat.
    return {
      endRatio: ratios.at(-1)!,
      minRatio,
      maxRatio,
      flat: minRatio >= 1 - FLAT && maxRatio <= 1 + FLAT,
      trend,
      flatTrend: trend >= 1 - FLAT && trend <= 1 + FLAT,
    };
  });
}

function renderReport(options: Options, outcome: Outcome, machine: { loadAtStart: number[]; loadAtEnd: number[]; wallMs: number }): string {
  const count = (value: number) => value.toLocaleString('en-US');
  const mib = (bytes: number) => (Number.isNaN(bytes) ? '-' : (bytes / MIB).toFixed(1));
  const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '-');
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  const [baseline] = outcome.samples;
  const rows = outcome.samples.map((sample, index) => {
    const maxRatio = baseline === undefined ? Number.NaN : Math.max(...sample.rssBytes.map((bytes, replica) => bytes / baseline.rssBytes[replica]!));
    return `| ${count(sample.ops)}${index === 0 ? ' (baseline)' : ''} | ${(sample.elapsedMs / 1000).toFixed(1)} | ${count(Math.round(opsPerS(sample, outcome.samples[index - 1])))} | ${sample.rssBytes.map(mib).join(' | ')} | ${ratio(maxRatio)} |`;
  });
  const verdictLines = verdicts(outcome.samples).map(
    (verdict, replica) =>
      `- replica ${replica}: last quarter of the run = ${ratio(verdict.trend)} the first (means of rows); no growth beyond ±10%: ${verdict.flatTrend ? 'yes' : 'no'}. Every row within ±10% of the baseline: ${verdict.flat ? 'yes' : 'no'} (${ratio(verdict.minRatio)}–${ratio(verdict.maxRatio)}; at the end ${ratio(verdict.endRatio)}); peak VmHWM ${mib(outcome.peakBytes[replica] ?? Number.NaN)} MiB`,
  );
  const replicaColumns = Array.from({ length: N }, (_, id) => `r${id} RSS MiB`);
  return [
    '# Memory: replica resident size over a long run',
    '',
    `Target (issue 10): resident size flat (±10%) over 1,000,000 operations on a real cluster.`,
    '',
    `Command: \`${commandOf(options)}\``,
    `Machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), load average ${load(machine.loadAtStart)} at the start and ${load(machine.loadAtEnd)} at the end; Node ${process.version}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${(machine.wallMs / 1000).toFixed(0)} s wall.`,
    `Cluster: ${N} \`pancydb replica\` processes (n=4, f=1) on 127.0.0.1, auth ${options.auth}, durability ${options.durability}; ${options.clients} clients in a closed loop of ${VALUE_BYTES}-byte puts over ${count(KEYS)} keys; ${count(outcome.acknowledged)} operations acknowledged of ${count(options.ops)} asked, ${count(outcome.errors)} failed, in ${(outcome.elapsedMs / 1000).toFixed(1)} s.`,
    `Replica 0's ready line: ${outcome.readyLine === undefined ? '(none)' : `\`${outcome.readyLine}\``}`,
    `RSS is VmRSS of /proc/PID/status, read at the exact acknowledged count of each row; the baseline is the first row, after ${count(options.warmupOps)} warm-up operations; "no growth" compares the mean of the last quarter of the rows after it with the mean of the first quarter (the exit status follows it); "every row" holds each row to the baseline. ops/s is since the previous row. The V8 heap is not sampled: the replicas' /metrics registers no default metrics (src/deploy/metrics.ts), so no nodejs_heap_* figures.`,
    '',
    `| ops acknowledged | elapsed s | ops/s | ${replicaColumns.join(' | ')} | max ratio to baseline |`,
    `|---:|---:|---:|${replicaColumns.map(() => '---:|').join('')}---:|`,
    ...rows,
    '',
    ...(verdictLines.length === 0 ? ['No verdict: the run ended before a row after the baseline.'] : verdictLines),
    ...(outcome.problems.length === 0 ? [] : ['', '## Problems', '', ...outcome.problems.map((problem) => `- ${problem.replaceAll('\n', '\n  ')}`)]),
    '',
  ].join('\n');
}

runBenchScript('memory', USAGE, parseOptions, main);
