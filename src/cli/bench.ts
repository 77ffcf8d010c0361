// `pancydb bench`: throughput and latency of PBFT on real processes over loopback TCP,
// with an unreplicated server measured in the same run as the baseline
// (src/deploy/bench/tcp-bench.ts). Parses, validates, runs and reports; the measuring is
// in src/deploy/bench/. `--serve-unreplicated FILE` is the baseline server process itself,
// which the benchmark starts as a child.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import type { AuthMode } from '../core/auth.ts';
import { createFastestCrypto } from '../crypto/index.ts';
import { parseFlags, wholeFlag } from '../deploy/args.ts';
import { renderReport, tableLines, tableRow, type BenchRow } from '../deploy/bench/report.ts';
import { runTcpBench } from '../deploy/bench/tcp-bench.ts';
import { loadReplica } from '../deploy/load-member.ts';
import { UnreplicatedServer } from '../deploy/unreplicated-server.ts';
import { canonicalOptimizations, describeOptimizations, isOptimization, OPTIMIZATIONS, type Optimization } from '../sim/optimizations.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const BENCH_HELP = `Usage: pancydb bench [--clients LIST] [--mixed-clients LIST] [--warmup S] [--duration S]
                     [--value-bytes B] [-n N] [--auth mac,signed] [--durability fsync,none]
                     [--optimizations none,all] [--out FILE] [--cpu-prof DIR]

Per auth mode, starts a fresh n-replica testnet on 127.0.0.1 (pancydb replica processes) per
durability mode and optimization setting and an unreplicated Pancydb server over the same
TCP transport, authenticating as that mode does; then runs a closed loop of clients (one
request outstanding each) against each, alternating, and prints throughput and
p50/p90/p99 latency per row with PBFT's ratio to the unreplicated server of its mode, mac
against signed, durable against in-memory, and optimizations against none. Writes the
table as Markdown to FILE.
  --clients LIST        client counts of the 100%-put rows (default 1,50,100)
  --mixed-clients LIST  client counts of the 50% get / 50% put rows (default 50; '' for none)
  --warmup S            seconds discarded before each window (default 3)
  --duration S          seconds measured per row (default 10)
  --value-bytes B       bytes per put value (default 100)
  -n N                  replicas (default 4)
  --auth LIST           the testnets' auth mode (pancydb testnet --auth): mac, signed, or both
                        (mac,signed, the default; rows in the order given); the table names it
                        in its auth column
  --durability LIST     the replicas' --durability: fsync, none, or both (fsync,none, the
                        default: one cluster each); the table names it in its durability column
  --optimizations LIST  settings of OSDI'99 §5.1's optimizations (pancydb testnet --read-only
                        --digest-replies --tentative), one cluster each: none (the default),
                        all, or names joined by + (read-only+tentative); e.g. none,all. The
                        table names each in its optimizations column. Only gets can take the
                        read-only path: the --mixed-clients rows
  --out FILE            where the Markdown goes (default bench/results/tcp-bench.md; '' for none)
  --cpu-prof DIR        write each replica's V8 CPU profile (node --cpu-prof) into
                        DIR/AUTH-DURABILITY[-OPTIMIZATIONS]/replica-ID (e.g. DIR/mac-fsync/replica-0)
  --serve-unreplicated FILE
                        be the unreplicated server for FILE's replica 0 (the benchmark
                        starts this itself)`;

const MAX_CLIENTS = 1000;

export async function runBenchCommand(args: readonly string[], output: Output): Promise<number> {
  const { values } = parseFlags(args, {
    clients: { type: 'string' },
    'mixed-clients': { type: 'string' },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    'value-bytes': { type: 'string' },
    n: { type: 'string', short: 'n' },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    durability: { type: 'string' },
    auth: { type: 'string' },
    optimizations: { type: 'string' },
    'serve-unreplicated': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    output.out(BENCH_HELP);
    return 0;
  }
  if (values['serve-unreplicated'] !== undefined) return serveUnreplicated(values['serve-unreplicated'], output);
  const n = wholeFlag('-n', values.n ?? '4', 4, 31)!;
  if ((n - 1) % 3 !== 0) throw new UsageError(`-n: must be 3f+1 (4, 7, 10, ...), got ${n}`);
  const durabilities = modeList('--durability', values.durability, ['fsync', 'none']);
  // Both modes by default, mac first; rows follow the order given.
  const auths = modeList('--auth', values.auth, ['mac', 'signed'] satisfies AuthMode[]);
  // None by default: each setting is one more cluster (n processes, a row per client count).
  const optimizationSettings = optimizationList(values.optimizations ?? 'none');
  const settings = {
    n,
    putClients: clientList('--clients', values.clients ?? '1,50,100'),
    mixedClients: clientList('--mixed-clients', values['mixed-clients'] ?? '50'),
    warmupMs: seconds('--warmup', values.warmup ?? '3', 0) * 1000,
    durationMs: seconds('--duration', values.duration ?? '10', 0.1) * 1000,
    valueBytes: wholeFlag('--value-bytes', values['value-bytes'] ?? '100', 1, 60_000)!,
  };
  if (settings.putClients.length + settings.mixedClients.length === 0) throw new UsageError('--clients, --mixed-clients: no rows to run');
  const out = values.out ?? 'bench/results/tcp-bench.md';
  const machine = { cores: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown', loadAverage: os.loadavg(), node: process.versions.node, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC' };
  output.out(`pancydb bench: ${machine.cores} cores, load average ${machine.loadAverage.map((load) => load.toFixed(2)).join(' ')}; ${settings.warmupMs / 1000} s warm-up, ${settings.durationMs / 1000} s window per row`);
  const header = tableLines([]);
  const measured: BenchRow[] = [];
  const rows = await runTcpBench({
    ...settings,
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfileDir: values['cpu-prof'] }),
    durabilities,
    auths,
    optimizationSettings,
    log: (line) => output.err(line),
    onRow: (row) => {
      if (header.length > 0) output.err(header.splice(0).join('\n'));
      measured.push(row);
      output.err(tableRow(measured, row));
    },
  });
  const report = renderReport(rows, machine, settings);
  output.out(report);
  if (out !== '') {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, report);
    output.out(`wrote ${out}`);
  }
  return rows.some((row) => row.errors > 0 || !(row.opsPerS > 0)) ? 1 : 0;
}

/** The baseline server: runs until SIGTERM or SIGINT. */
async function serveUnreplicated(clusterFile: string, output: Output): Promise<number> {
  const crypto = createFastestCrypto();
  const { cluster, keyPair } = loadReplica(clusterFile, 0, undefined, crypto);
  const server = new UnreplicatedServer({ cluster, keyPair, crypto });
  const { host, port } = await server.start().catch((error: Error) => {
    throw new UsageError(`unreplicated server: cannot listen: ${error.message}`);
  });
  output.out(`unreplicated server ready: listening on ${host}:${port}, auth ${cluster.parameters.auth}, durability none`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await server.stop();
  output.out(`unreplicated server stopped: executed ${server.executed}, drops ${JSON.stringify(Object.fromEntries(server.drops))}`);
  return 0;
}

function seconds(flag: string, value: string, minimum: number): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < minimum || number > 3600) throw new UsageError(`${flag}: must be a number of seconds ≥ ${minimum} and ≤ 3600, got ${JSON.stringify(value)}`);
  return number;
}

/** A comma-separated list of distinct modes among `known`, in the order given; all of `known`, in its order, if absent. */
function modeList<const T extends string>(flag: string, value: string | undefined, known: readonly T[]): T[] {
  if (value === undefined) return [...known];
  const modes = value.split(',').map((mode) => mode.trim());
  for (const mode of modes) if (!(known as readonly string[]).includes(mode)) throw new UsageError(`${flag}: must be ${known.join(', ')} or both (${known.join(',')}), got ${JSON.stringify(value)}`);
  if (new Set(modes).size !== modes.length) throw new UsageError(`${flag}: names a mode twice: ${JSON.stringify(value)}`);
  return modes as T[];
}

/**
 * --optimizations: comma-separated settings, each none, all, or names joined by '+', each
 * setting once (in whatever order its names were given).
 * @example optimizationList('none,all') // [[], ['read-only', 'digest-replies', 'tentative']]
 */
export function optimizationList(value: string): Optimization[][] {
  const settings = value.split(',').map((entry) => optimizationSetting(entry.trim(), value));
  const named = settings.map(describeOptimizations);
  named.forEach((name, index) => {
    if (named.indexOf(name) !== index) throw new UsageError(`--optimizations: names the setting ${name} twice: ${JSON.stringify(value)}`);
  });
  return settings;
}

function optimizationSetting(entry: string, value: string): Optimization[] {
  if (entry === 'none') return [];
  if (entry === 'all') return [...OPTIMIZATIONS];
  const names = entry.split('+').map((name) => name.trim());
  for (const name of names) {
    if (!isOptimization(name)) throw new UsageError(`--optimizations: each setting must be none, all, or names among ${OPTIMIZATIONS.join(', ')} joined by +, got ${JSON.stringify(value)}`);
  }
  if (new Set(names).size !== names.length) throw new UsageError(`--optimizations: a setting names an optimization twice: ${JSON.stringify(value)}`);
  return canonicalOptimizations(names as Optimization[]);
}

function clientList(flag: string, value: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((part) => wholeFlag(flag, part.trim(), 1, MAX_CLIENTS)!);
}
