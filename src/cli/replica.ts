// `pancydb replica`: one replica process. Parses, validates, wires and logs; the protocol
// is the pure core, driven by src/deploy/replica-node.ts.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createFastestCrypto } from '../crypto/index.ts';
import { memoizeVerify } from '../crypto/memo.ts';
import { parseFlags, required, wholeFlag } from '../deploy/args.ts';
import { loadReplica } from '../deploy/load-member.ts';
import { ReplicaNode, type LogLine } from '../deploy/replica-node.ts';
import { CrashPoints } from '../deploy/crash-points.ts';
import { DataDirInUseError, lockDataDir } from '../deploy/data-lock.ts';
import { DEFAULT_MESSAGE_LOG_MAX_BYTES, MessageLogFile } from '../deploy/message-log.ts';
import { ReplicaMessageLog } from '../deploy/replica-message-log.ts';
import { DiskStateError, type DiskContents } from '../core/durability.ts';
import { ReplicaDisk } from '../storage/replica-disk.ts';
import { DecodeError } from '../core/bytes.ts';
import { DiskStorage } from '../storage/disk-storage.ts';
import { describeOptimizations } from '../sim/optimizations.ts';
import { readAdversaryFlags } from './replica-adversary.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const REPLICA_HELP = `Usage: pancydb replica --cluster FILE --id I --data DIR [--key FILE]
                       [--durability fsync|none] [--amnesia]
                       [--adversary NAME|PATH [--adversary-options JSON] [--adversary-seed S]]
                       [--message-log FILE [--message-log-max-bytes B]]

Runs replica I of the cluster in FILE: listens on its host and port, dials the replicas with
higher ids, serves /metrics, /health and /status on its metrics port. Prints one ready line,
then one JSON line per notable event. SIGTERM or SIGINT stops it (exit 0). Its protocol
parameters, among them how messages are authenticated (parameters.auth: signed or mac) and
which optimizations of OSDI'99 §5.1 are on (parameters.optimizations: read-only,
digest-replies, tentative), come from FILE alone; the ready line names both.
  --key FILE   its private key (default: replica-I.key beside FILE)
  --data DIR   its data directory (required): the write-ahead log (DIR/wal) and its last
               stable checkpoint. Every message that binds the replica is fsynced there
               before it is sent, so after a crash (kill -9 included) it restarts where it
               was and never signs anything different (src/core/durability.ts). The
               evidence of equivocation it caught (GET /evidence) is kept in
               DIR/evidence.json and shown again after a restart. DIR/lock holds its
               pid while it runs: a second replica on DIR exits 2 (kill -9 leaves the
               lock behind, and the next start takes it over).
  --durability fsync|none
               fsync (default) as above. none writes nothing and comes back blank after a
               restart, believing it is new: an acknowledged write can be lost and the
               replica can vote twice. For benchmarks only; it says so when it starts.
  --amnesia    DIR was lost or damaged: start without memory of what this replica signed.
               It asks its peers for their view and votes again only once that is safe
               (src/core/restart-guard.ts); until then a restart stays without memory too.
               Never start a replica on an empty DIR after it ran before without this.
  --message-log FILE
               append one JSON line per frame sent and received (with the reason it was
               dropped, if it was) and per notable event (execute, view changes, state
               transfer, evidence, process start and stop) to FILE, for pancydb picture;
               one FILE per replica. A diagnostic, written in the background: a kill -9
               loses its last lines.
  --message-log-max-bytes B
               FILE stops growing at B bytes, saying so in one last line (default
               ${DEFAULT_MESSAGE_LOG_MAX_BYTES}, ${DEFAULT_MESSAGE_LOG_MAX_BYTES / 1024 / 1024} MiB)
Environment: PANCYDB_CRASH_AT=POINT:K kills the process (SIGKILL) at the K-th POINT, one of
  append, sync, rotate, checkpoint, truncate: a crash test's tool (src/deploy/crash-points.ts).
  --adversary NAME|PATH
               run this replica Byzantine: the simulator's adversary plug-in NAME
               (adversaries/NAME.ts) or the file PATH wraps the honest replica. Its
               clock starts with the process (silent's fromS: 5 means 5 s after start);
               it has no colluders, and adversaries needing a twin are refused.
  --adversary-options JSON
               its options, checked as a scenario file's (adversaries/README.md)
  --adversary-seed S
               seeds its choices; without it a random seed is printed at start.
Example: pancydb replica --cluster net/cluster.json --id 2 --data net/data/replica-2 \\
           --adversary equivocate --adversary-options '{"role":"backup"}'`;

export async function runReplicaCommand(args: readonly string[], output: Output): Promise<number> {
  const { values } = parseFlags(args, {
    cluster: { type: 'string' },
    id: { type: 'string' },
    key: { type: 'string' },
    data: { type: 'string' },
    adversary: { type: 'string' },
    'adversary-options': { type: 'string' },
    'adversary-seed': { type: 'string' },
    durability: { type: 'string' },
    amnesia: { type: 'boolean' },
    'message-log': { type: 'string' },
    'message-log-max-bytes': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    output.out(REPLICA_HELP);
    return 0;
  }
  const clusterFile = required('--cluster', values.cluster);
  const id = required('--id', wholeFlag('--id', values.id, 0, 30));
  const durability = values.durability ?? 'fsync';
  if (durability !== 'fsync' && durability !== 'none') throw new UsageError(`--durability must be fsync or none, got ${JSON.stringify(durability)}`);
  if (durability === 'none' && values.amnesia === true) throw new UsageError('--amnesia needs --durability fsync: without a disk there is nothing to have lost');
  const messageLogMaxBytes = wholeFlag('--message-log-max-bytes', values['message-log-max-bytes'], 1024, Number.MAX_SAFE_INTEGER) ?? DEFAULT_MESSAGE_LOG_MAX_BYTES;
  if (values['message-log-max-bytes'] !== undefined && values['message-log'] === undefined) throw new UsageError('--message-log-max-bytes needs --message-log');
  const crashPoints = CrashPoints.fromEnvironment(process.env['PANCYDB_CRASH_AT']);
  // Before anything is loaded or created: a misspelt adversary or option fails at once.
  const adversary = await readAdversaryFlags(values, process.cwd());
  const crypto = memoizeVerify(createFastestCrypto());
  const { cluster, keyPair } = loadReplica(clusterFile, id, values.key, crypto);
  const dataDir = required('--data', values.data);
  // Before anything in the directory is read: recovery must never run beside a live writer.
  const releaseData = lockData(dataDir);
  process.once('exit', releaseData);
  const ranBefore = markStarted(dataDir, durability, values.amnesia === true, id, cluster.clusterId);
  const disk = durability === 'fsync' ? openDisk(dataDir, values.amnesia === true, crashPoints) : undefined;
  const restarted = disk?.amnesia === true;
  const amnesiaMarker = join(dataDir, 'amnesia');
  const log = (line: LogLine) => {
    // Voting again, it logs every vote from here on: the disk is whole again.
    if (line.event === 'voting-resumed' && disk !== undefined) rmSync(amnesiaMarker, { force: true });
    if (line.event === 'adversary-note') messageLog?.adversaryNote(String(line['adversary']), String(line['line']));
    output.out(JSON.stringify({ time: new Date().toISOString(), replica: id, ...line }));
  };
  const messageLog = openMessageLog(values['message-log'], messageLogMaxBytes, id, cluster.parameters.n, log);
  const fault: { resolve: (fault: Error) => void } = { resolve: () => undefined };
  const faulted = new Promise<Error>((resolve) => (fault.resolve = resolve));
  const onAdversaryFault = (error: Error) => fault.resolve(error);
  const node = newNode(dataDir, () => new ReplicaNode({
    cluster,
    id,
    keyPair,
    crypto,
    restarted,
    log,
    ...(disk === undefined ? {} : { storage: disk, evidencePath: join(dataDir, 'evidence.json') }),
    ...(adversary === undefined ? {} : { adversary, onAdversaryFault }),
    ...(messageLog === undefined ? {} : { messageLog }),
  }));
  const from = disk === undefined ? (ranBefore ? 'blank (no disk)' : 'new') : disk.amnesia ? 'without memory' : describeDisk(disk.contents, disk.tornTail);
  const adversaryName = adversary === undefined ? {} : { adversary: { name: adversary.spec.definition.name, options: adversary.spec.options } };
  messageLog?.start({ clusterId: cluster.clusterId, view: node.replica.view, lastExecuted: node.replica.lastExecuted, started: from, ...adversaryName });
  const where = await node.start().catch((error: Error) => {
    throw new UsageError(`replica ${id}: cannot listen: ${error.message}`);
  });
  const replica = node.replica;
  if (adversary !== undefined) {
    // The options as given on the command line (the adversary gets them with defaults filled in).
    const { definition, options } = adversary.spec;
    output.out(`replica ${id} adversary ${definition.name}, options ${JSON.stringify(options)}, seed ${adversary.seed} (repeat with --adversary-seed ${adversary.seed})`);
  }
  if (durability === 'none') {
    output.out(`replica ${id} WARNING: --durability none writes nothing to disk: a restart comes back blank, acknowledged writes can be lost and the replica can vote twice. For benchmarks only.`);
  }
  if (crashPoints.armed !== undefined) output.out(`replica ${id} will kill itself at ${crashPoints.armed} (PANCYDB_CRASH_AT)`);
  output.out(`replica ${id} ready: view ${replica.view}, last executed ${replica.lastExecuted}, listening on ${where.listen}, metrics ${where.metrics}, auth ${cluster.parameters.auth}, durability ${durability}, started ${from}, optimizations ${describeOptimizations(cluster.parameters.optimizations)}`);
  const signal = await Promise.race([
    new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    }),
    faulted,
  ]);
  await node.stop();
  releaseData();
  messageLog?.stop(signal instanceof Error ? 'adversary-fault' : signal);
  await messageLog?.file.close();
  if (signal instanceof Error) {
    // The adversary broke its contract (src/adversary/host.ts): its bug, reported as a usage error.
    log({ event: 'stopped', reason: 'adversary-fault', view: replica.view, lastExecuted: replica.lastExecuted });
    throw signal;
  }
  log({ event: 'stopped', signal, view: replica.view, lastExecuted: replica.lastExecuted });
  return 0;
}

/** `--message-log FILE`, opened for appending (exit 2 naming it if it cannot be); its stop is a log line. */
function openMessageLog(path: string | undefined, maxBytes: number, id: number, n: number, log: (line: LogLine) => void): ReplicaMessageLog | undefined {
  if (path === undefined) return undefined;
  try {
    return new ReplicaMessageLog(MessageLogFile.open(path, maxBytes, (problem) => log({ event: 'message-log-stopped', problem })), id, n);
  } catch (error) {
    throw new UsageError(`--message-log ${(error as Error).message}`);
  }
}

/**
 * Opens DIR/wal and reads it back. Corruption other than a torn last record refuses to
 * start (exit 2, naming the file). With --amnesia, or while an earlier amnesia start has
 * not voted again, the disk's records are not trusted to cover everything signed.
 */
function openDisk(dataDir: string, amnesiaFlag: boolean, crashPoints: CrashPoints): { disk: ReplicaDisk; contents: DiskContents; tornTail: boolean; amnesia: boolean } {
  const disk = new ReplicaDisk(new DiskStorage(join(dataDir, 'wal')), (point) => crashPoints.reach(point));
  let recovered;
  try {
    recovered = disk.recover();
  } catch (error) {
    throw new UsageError(`--data ${dataDir}: ${(error as Error).message}`);
  }
  const marker = join(dataDir, 'amnesia');
  if (amnesiaFlag) durableWrite(marker, `${new Date().toISOString()}\n`);
  return { disk, ...recovered, amnesia: amnesiaFlag || existsSync(marker) };
}

/** A disk the core refuses (DiskStateError, an undecodable record) stops the start with its reason. */
function newNode(dataDir: string, create: () => ReplicaNode): ReplicaNode {
  try {
    return create();
  } catch (error) {
    if (error instanceof DiskStateError || error instanceof DecodeError) throw new UsageError(`--data ${dataDir}: ${error.message}`);
    throw error;
  }
}

function describeDisk(contents: DiskContents, tornTail: boolean): string {
  if (contents.checkpoint === undefined && contents.records.length === 0) return 'new';
  return `from disk (${contents.checkpoint === undefined ? 'no checkpoint' : 'a checkpoint'}, ${contents.records.length} records${tornTail ? ', torn last record cut off' : ''})`;
}

/** `--data`'s lock (src/deploy/data-lock.ts): exit 2 naming the directory while another replica process uses it. */
function lockData(dataDir: string): () => void {
  try {
    return lockDataDir(dataDir);
  } catch (error) {
    throw new UsageError(`--data ${error instanceof DataDirInUseError ? '' : `${dataDir}: `}${(error as Error).message}`);
  }
}

/**
 * Creates the data directory; true when it shows this replica ran before. The marker
 * names the durability it ran with: a replica that ran without a disk and now starts with
 * one would find an empty log that does not cover what it signed, so that needs --amnesia.
 */
function markStarted(dataDir: string, durability: 'fsync' | 'none', amnesia: boolean, id: number, clusterId: string): boolean {
  const marker = join(dataDir, 'started');
  let before: string | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    before = existsSync(marker) ? readFileSync(marker, 'utf8') : undefined;
  } catch (error) {
    throw new UsageError(`--data: ${(error as Error).message}`);
  }
  const owner = before === undefined ? undefined : /replica (\d+) cluster (\w+)/.exec(before);
  if (owner != null && (Number(owner[1]) !== id || owner[2] !== clusterId)) {
    throw new UsageError(`--data ${dataDir}: this directory is replica ${owner[1]}'s of cluster ${owner[2]!.slice(0, 16)}, not replica ${id}'s of ${clusterId.slice(0, 16)}`);
  }
  if (before !== undefined && durability === 'fsync' && !amnesia) {
    if (!before.includes('durability fsync')) throw new UsageError(`--data ${dataDir}: this replica ran before with --durability none, so its log does not hold what it signed; start it with --amnesia`);
    if (!existsSync(join(dataDir, 'wal'))) throw new UsageError(`--data ${dataDir}: this replica ran with a disk, but ${join(dataDir, 'wal')} is gone; start it with --amnesia`);
  }
  if (before === undefined || !before.includes(`durability ${durability}`)) durableWrite(marker, `${new Date().toISOString()} durability ${durability} replica ${id} cluster ${clusterId}\n`);
  return before !== undefined;
}

/** Written and fsynced with its directory entry: a marker that decides how to restart must survive a power cut. */
function durableWrite(path: string, text: string): void {
  writeFileSync(path, text);
  for (const target of [path, dirname(path)]) {
    const fd = openSync(target, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
