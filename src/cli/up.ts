// `pancydb up [DIR]`: every replica of DIR/cluster.json as a child process on this machine
// (`pancydb replica`), their output prefixed with [rI]. Ctrl-C or SIGTERM stops them all.
// A replica that dies is reported and not restarted: the rest keep serving, as PBFT
// tolerates f of them. Without DIR, a temporary 4-replica testnet is made first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createFastestCrypto } from '../crypto/index.ts';
import { loadClusterConfig } from '../deploy/cluster-config.ts';
import { parseFlags } from '../deploy/args.ts';
import { CLUSTER_FILE, generateTestnet } from '../deploy/testnet.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const UP_HELP = `Usage: pancydb up [DIR] [--data DIR] [--message-logs DIR]

Starts every replica of DIR/cluster.json (made by pancydb testnet) as a child process and
prints where each listens. Ctrl-C or SIGTERM stops them. Without DIR, makes a temporary
4-replica testnet on 127.0.0.1 first and prints its directory.
  --data DIR   give replica I the data directory DIR/replica-I (default: DIR/data of the
               testnet): its write-ahead log, so a replica restarted by hand with the same
               --data comes back from its disk)
  --message-logs DIR
               replica I appends its message log to DIR/replica-I.jsonl (pancydb replica
               --message-log); pancydb picture draws the run from them`;

export async function runUpCommand(args: readonly string[], output: Output): Promise<number> {
  const { values, positionals } = parseFlags(args, { data: { type: 'string' }, 'message-logs': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help === true) {
    output.out(UP_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one directory, got ${positionals.length}`);
  let dir = positionals[0];
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'pancydb-testnet-'));
    await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 4, crypto: createFastestCrypto() });
    output.out(`made a 4-replica testnet in ${dir}`);
  }
  const clusterFile = join(dir, CLUSTER_FILE);
  const cluster = loadClusterConfig(clusterFile);
  const dataRoot = values.data ?? join(dir, 'data');
  const logDir = values['message-logs'];
  if (logDir !== undefined) {
    try {
      mkdirSync(logDir, { recursive: true });
    } catch (error) {
      throw new UsageError(`--message-logs ${logDir}: ${(error as Error).message}`);
    }
  }
  const children = cluster.replicas.map((replica) => startReplica(clusterFile, replica.id, dataRoot, logDir, output));
  const ready = await Promise.all(children.map((child) => child.ready));
  if (ready.every(Boolean)) {
    output.out(`cluster up: ${cluster.replicas.length} replicas, clusterId ${cluster.clusterId.slice(0, 16)}; Ctrl-C stops them`);
    output.out(`try: pancydb client --cluster ${clusterFile} put greeting hello`);
  }
  const signal = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([signal, Promise.all(children.map((child) => child.exited))]);
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
  await Promise.all(children.map((child) => child.exited));
  output.out('cluster stopped');
  return 0;
}

interface Child {
  readonly process: ChildProcess;
  /** True once the ready line was printed, false if it exited first. */
  readonly ready: Promise<boolean>;
  readonly exited: Promise<void>;
}

function startReplica(clusterFile: string, id: number, dataRoot: string, logDir: string | undefined, output: Output): Child {
  const args = [...process.execArgv, process.argv[1]!, 'replica', '--cluster', clusterFile, '--id', String(id)];
  args.push('--data', join(dataRoot, `replica-${id}`));
  if (logDir !== undefined) args.push('--message-log', join(logDir, `replica-${id}.jsonl`));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let markReady: (ready: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith(`replica ${id} ready:`)) markReady(true);
    output.out(`[r${id}] ${line}`);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => output.err(`[r${id}] ${line}`));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      markReady(false);
      output.err(`[r${id}] exited (${signal ?? `status ${code}`})`);
      resolve();
    }),
  );
  return { process: child, ready, exited };
}
