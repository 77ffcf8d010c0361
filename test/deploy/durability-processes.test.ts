// Durability on real processes (src/core/durability.ts, src/storage/): what kill -9 may
// take from a replica and what it may not.
//   - Every replica killed at once under load and restarted: no acknowledged write is
//     lost and the history is linearizable. The same run with --durability none loses
//     acknowledged writes, and the same check reports them: the check can fail.
//   - A torn last WAL record is cut off on restart; damage before it refuses to start.
//   - A replica killed at each step of the durability protocol in turn (PANCYDB_CRASH_AT)
//     comes back and catches up, and the cluster's state and history stay whole.
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '../../src/deploy/crash-points.ts';
import { STABLE_CHECKPOINT } from '../../src/core/durability.ts';
import { encodeRecord, RECORD_HEADER_BYTES } from '../../src/storage/wal-format.ts';
import { createRng } from '../../src/sim/rng.ts';
import { ChaosCluster } from '../support/chaos/cluster.ts';
import { Load } from '../support/chaos/load.ts';
import { ChaosRun } from '../support/chaos/run.ts';
import { getJson, start, until, type Running } from './processes.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import type { ClusterConfig } from '../../src/deploy/cluster-config.ts';

/** K = 8, L = 16: checkpoints (and so WAL rotation and truncation) every few dozen requests. */
const PARAMETERS = { checkpointInterval: 8, logWindow: 16 };
const LOAD_CLIENTS = 3;
const READER = LOAD_CLIENTS;

const run = new ChaosRun();
afterEach(() => run.end());

/** Kills every replica at once under load, restarts them all; returns the writes lost. */
async function wholeClusterCrash(label: string, replicaArgs: readonly string[]): Promise<{ lost: string[]; acknowledged: number; linearizable: boolean }> {
  const dir = run.makeDir('pancydb-durable-');
  const cluster = (run.cluster = await ChaosCluster.start({ dir, clients: LOAD_CLIENTS + 1, parameters: PARAMETERS, replicaArgs }));
  const load = (run.load = new Load(cluster.config, dir, LOAD_CLIENTS, createRng(label)));
  await load.waitAcknowledged(60, 30_000);
  // All four at once: SIGKILL to each before awaiting any exit.
  await Promise.all([0, 1, 2, 3].map((id) => cluster.kill(id)));
  await load.stop(0);
  const acknowledged = load.acknowledged;
  for (let id = 0; id < 4; id++) await cluster.startReplica(id);
  await cluster.waitConverged([0, 1, 2, 3], 30_000);
  const finalVersions = await load.readAll(READER);
  return { lost: load.lostWrites(finalVersions), acknowledged, linearizable: load.check().verdict === 'linearizable' };
}

describe('whole-cluster crash: kill -9 of every replica under load, then restart', () => {
  it('with the WAL (fsync): zero acknowledged writes lost, linearizable', async () => {
    const { lost, acknowledged, linearizable } = await wholeClusterCrash('durable', []);
    expect(acknowledged).toBeGreaterThanOrEqual(60);
    expect(lost).toEqual([]);
    expect(linearizable).toBe(true);
    // They came back from disk, not blank.
    const { readyLines } = run.cluster!;
    expect(readyLines.slice(4).every((line) => /durability fsync, started from disk \(a checkpoint, \d+ records/.test(line)), readyLines.join('\n')).toBe(true);
  }, 120_000);

  it('with --durability none: acknowledged writes are lost, and the same check finds them', async () => {
    const { lost, linearizable } = await wholeClusterCrash('none', ['--durability', 'none']);
    expect(lost.length).toBeGreaterThan(0);
    expect(linearizable).toBe(false);
    expect(run.cluster!.processes[0]!.lines.some((line) => line.includes('WARNING: --durability none'))).toBe(true);
  }, 120_000);
});

/** A plain testnet (no proxy) whose replicas this file starts itself, with their own environment. */
async function testnet(): Promise<{ file: string; config: ClusterConfig }> {
  const dir = run.makeDir('pancydb-durable-');
  return generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: LOAD_CLIENTS + 1, crypto: createNativeCrypto(), parameters: PARAMETERS });
}

function startReplica(file: string, id: number, env: Record<string, string> = {}): Running {
  return start(['replica', '--cluster', file, '--id', String(id), '--data', join(run.dir!, `data-${id}`)], { env });
}

/** Every replica started and ready, and the load running until `acknowledged` operations came back. */
async function runningTestnet(label: string, acknowledged: number): Promise<{ file: string; config: ClusterConfig; replicas: Running[]; load: Load }> {
  const { file, config } = await testnet();
  const replicas = [0, 1, 2, 3].map((id) => startReplica(file, id));
  await Promise.all(replicas.map((replica, id) => replica.waitFor(new RegExp(`^replica ${id} ready`), 20_000)));
  const load = (run.load = new Load(config, run.dir!, LOAD_CLIENTS, createRng(label)));
  await load.waitAcknowledged(acknowledged, 30_000);
  return { file, config, replicas, load };
}

const statusOf = (config: ClusterConfig, id: number) => getJson(`http://${config.replicas[id]!.host}:${config.replicas[id]!.metricsPort}/status`);

async function converged(config: ClusterConfig, timeoutMs: number): Promise<void> {
  await until(async () => {
    const statuses = await Promise.all([0, 1, 2, 3].map((id) => statusOf(config, id)));
    return statuses.every((status) => status !== undefined && status['lastExecuted'] === statuses[0]!['lastExecuted'] && status['stateDigest'] === statuses[0]!['stateDigest'] && status['lastExecuted'] > 0);
  }, timeoutMs, 'every replica at one lastExecuted and stateDigest');
}

describe('a damaged WAL', () => {
  it('a torn last record is cut off on restart; damage before it refuses to start (exit 2, naming the file)', async () => {
    const { file, config, replicas, load } = await runningTestnet('torn', 30);
    replicas[2]!.child.kill('SIGKILL');
    await replicas[2]!.exited;
    const walDir = join(run.dir!, 'data-2', 'wal');
    const segment = join(walDir, readdirSync(walDir).filter((name) => name.endsWith('.log')).sort().at(-1)!);
    // What a write cut short by the crash leaves: a whole header promising 1000 bytes, and 18 of them.
    appendFileSync(segment, encodeRecord(new Uint8Array(1000).fill(1)).subarray(0, RECORD_HEADER_BYTES + 18));
    const restarted = startReplica(file, 2);
    await restarted.waitFor(/^replica 2 ready: .*torn last record cut off/, 20_000);
    await load.waitAcknowledged(20, 30_000);
    await load.stop(20_000);
    await converged(config, 30_000);
    expect(load.lostWrites(await load.readAll(READER))).toEqual([]);
    expect(load.check().verdict).toBe('linearizable');

    restarted.child.kill('SIGKILL');
    await restarted.exited;
    // One flipped byte in the first of two or more records of a segment: not a torn tail.
    // (Right after a checkpoint the live segments may hold one record or none; then the
    // checkpoint file takes the flipped byte, and must be refused just the same.)
    const segments = readdirSync(walDir).filter((name) => name.endsWith('.log')).sort().map((name) => join(walDir, name));
    const damaged = segments.find((path) => {
      const bytes = readFileSync(path);
      return bytes.length > RECORD_HEADER_BYTES && bytes.length > RECORD_HEADER_BYTES + bytes.readUInt32BE(0);
    }) ?? join(walDir, `${STABLE_CHECKPOINT}.checkpoint`);
    const bytes = readFileSync(damaged);
    bytes[RECORD_HEADER_BYTES] = bytes[RECORD_HEADER_BYTES]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const refused = startReplica(file, 2);
    expect(await refused.exited).toBe(2);
    expect(refused.lines.join('\n')).toMatch(/refusing to start/);
    if (damaged.endsWith('.log')) expect(refused.lines.join('\n')).toContain(damaged);
  }, 150_000);
});

describe('a crash at each durability point (PANCYDB_CRASH_AT)', () => {
  it(`replica 1 killed at ${CRASH_POINTS.join(', ')} in turn comes back each time; nothing acknowledged is lost`, async () => {
    const { file, config, replicas, load } = await runningTestnet('crash-points', 10);
    replicas[1]!.child.kill('SIGKILL');
    await replicas[1]!.exited;
    for (const point of CRASH_POINTS) {
      // The third time it gets there: past start-up, in the middle of the load.
      const doomed = startReplica(file, 1, { PANCYDB_CRASH_AT: `${point}:3` });
      await doomed.waitFor(new RegExp(`^replica 1 will kill itself at ${point}:3`), 20_000);
      await until(() => doomed.child.exitCode !== null || doomed.child.signalCode !== null, 60_000, `replica 1 to reach ${point} three times`);
      expect(doomed.child.signalCode, point).toBe('SIGKILL');
    }
    const back = startReplica(file, 1);
    await back.waitFor(/^replica 1 ready: .*started from disk/, 20_000);
    await load.waitAcknowledged(20, 30_000);
    await load.stop(20_000);
    await converged(config, 30_000);
    expect(load.lostWrites(await load.readAll(READER))).toEqual([]);
    expect(load.check().verdict).toBe('linearizable');
  }, 240_000);
});
