// A cluster of real `pancydb replica` processes behind the chaos proxy, with the crash
// faults of the deployment tests: kill -9 and restart on the same --data directory,
// SIGSTOP/SIGCONT, and partitions (through the proxy). Every wait is a bounded poll of a
// condition (/status, a log line), never a sleep.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterJson, loadClusterConfig, type ClusterConfig } from '../../../src/deploy/cluster-config.ts';
import { generateTestnet } from '../../../src/deploy/testnet.ts';
import type { ProtocolParameters } from '../../../src/core/config.ts';
import { createNativeCrypto } from '../../../src/crypto/native.ts';
import { getJson, start, until, type Running } from '../../deploy/processes.ts';
import { ChaosProxy } from './proxy.ts';

export const CHAOS_HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const PRELOAD = new URL('./listen-remap.mjs', import.meta.url).href;
const LISTENER_LINE = /^pancydb-chaos: replica listener for advertised port \d+ is (.+):(\d+)$/;

export interface ChaosClusterOptions {
  /** An empty directory for cluster.json, keys and every replica's --data. */
  readonly dir: string;
  readonly clients: number;
  readonly parameters?: Partial<Omit<ProtocolParameters, 'n'>>;
  /** Extra `pancydb replica` flags, for every start. */
  readonly replicaArgs?: readonly string[];
}

export type Status = Record<string, any>;

/** A replica's start-up deadline, as the other process tests give it: tsx compiles the sources while vitest runs other files on both cores. */
const START_UP_MS = 60_000;

export class ChaosCluster {
  /** The running process of each replica; undefined while it is killed. */
  readonly processes: (Running | undefined)[];
  private readonly paused = new Set<number>();
  /** Every ready line printed, in order (restarts included). */
  readonly readyLines: string[] = [];

  private constructor(
    readonly options: ChaosClusterOptions,
    readonly file: string,
    readonly config: ClusterConfig,
    readonly proxy: ChaosProxy,
  ) {
    this.processes = config.replicas.map(() => undefined);
  }

  /** cluster.json advertising the proxy's ports, then every replica started and linked to 2f peers. */
  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const generated = await generateTestnet({ n: CHAOS_HOSTS.length, out: options.dir, hosts: CHAOS_HOSTS, clients: options.clients, crypto: createNativeCrypto(), ...(options.parameters === undefined ? {} : { parameters: options.parameters }) });
    const proxy = await ChaosProxy.listen(CHAOS_HOSTS);
    // The same keys and metrics ports; the replica ports are the proxy's, so clusterId changes.
    const json = clusterJson({ ...generated.config, replicas: generated.config.replicas.map((replica) => ({ ...replica, port: proxy.advertised[replica.id]!.port })) });
    writeFileSync(generated.file, `${JSON.stringify(json, null, 2)}\n`);
    const cluster = new ChaosCluster(options, generated.file, loadClusterConfig(generated.file), proxy);
    await Promise.all(cluster.config.replicas.map((replica) => cluster.startReplica(replica.id)));
    await until(async () => (await cluster.healths()).every((health) => health?.healthy === true), 20_000, 'every /health');
    return cluster;
  }

  get n(): number {
    return this.config.replicas.length;
  }

  dataDir(id: number): string {
    return join(this.options.dir, `data-${id}`);
  }

  /** Starts replica `id` on its --data directory (with `extraArgs` this time only); resolves once it is ready and the proxy forwards to it. */
  async startReplica(id: number, extraArgs: readonly string[] = []): Promise<Running> {
    if (this.processes[id] !== undefined) throw new Error(`replica ${id} is already running`);
    const running = start(['replica', '--cluster', this.file, '--id', String(id), '--data', this.dataDir(id), ...(this.options.replicaArgs ?? []), ...extraArgs], {
      nodeArgs: ['--import', PRELOAD],
      env: { PANCYDB_CHAOS_ADVERTISED_PORT: String(this.config.replicas[id]!.port) },
    });
    this.processes[id] = running;
    const [, host, port] = LISTENER_LINE.exec(await running.waitFor(LISTENER_LINE, START_UP_MS))!;
    this.proxy.setUpstream(id, { host: host!, port: Number(port) });
    this.readyLines.push(await running.waitFor(new RegExp(`^replica ${id} ready: `), START_UP_MS));
    return running;
  }

  /** kill -9: no clean-up, no flush; resolves once the process is gone. */
  async kill(id: number): Promise<void> {
    const running = this.processes[id];
    if (running === undefined) throw new Error(`replica ${id} is not running`);
    this.processes[id] = undefined;
    this.paused.delete(id);
    running.child.kill('SIGKILL');
    await running.exited;
  }

  pause(id: number): void {
    this.processes[id]!.child.kill('SIGSTOP');
    this.paused.add(id);
  }

  resume(id: number): void {
    this.processes[id]!.child.kill('SIGCONT');
    this.paused.delete(id);
  }

  /** GET /status of replica `id`; undefined if it does not answer (killed, paused, starting). */
  status(id: number): Promise<Status | undefined> {
    const replica = this.config.replicas[id]!;
    return getJson(`http://${replica.host}:${replica.metricsPort}/status`);
  }

  /** /status of every replica that runs and is not paused, by id (the others undefined). */
  async statuses(): Promise<(Status | undefined)[]> {
    return Promise.all(this.config.replicas.map((replica) => (this.processes[replica.id] === undefined || this.paused.has(replica.id) ? undefined : this.status(replica.id))));
  }

  private healths(): Promise<(Status | undefined)[]> {
    return Promise.all(this.config.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/health`)));
  }

  /** The highest lastExecuted among the replicas in `ids` that answer. */
  async maxLastExecuted(ids: readonly number[]): Promise<number> {
    const statuses = await Promise.all(ids.map((id) => this.status(id)));
    return Math.max(0, ...statuses.map((status) => (status?.['lastExecuted'] as number | undefined) ?? 0));
  }

  /** The primary of the highest view a running replica is in. */
  async primary(): Promise<number> {
    const statuses = (await this.statuses()).filter((status) => status !== undefined);
    const highest = statuses.reduce((best, status) => (status['view'] > best['view'] ? status : best));
    return highest['primary'] as number;
  }

  /** Waits until every replica in `ids` has executed at least `seq`. */
  async waitExecuted(ids: readonly number[], seq: number, timeoutMs: number): Promise<void> {
    await until(async () => (await Promise.all(ids.map((id) => this.status(id)))).every((status) => status !== undefined && status['lastExecuted'] >= seq), timeoutMs, `replicas ${ids.join(',')} to execute n=${seq}`);
  }

  /**
   * Catch-up of replica `id`: its lastExecuted reaches `target` and it is no longer
   * recovering (a restarted replica votes again only once that is safe). Returns the time taken.
   */
  async waitCaughtUp(id: number, target: number, timeoutMs: number): Promise<number> {
    const startedAtMs = Date.now();
    await until(
      async () => {
        const status = await this.status(id);
        return status !== undefined && status['lastExecuted'] >= target && status['recovering'] === false;
      },
      timeoutMs,
      `replica ${id} to catch up to n=${target}`,
    );
    return Date.now() - startedAtMs;
  }

  /** Waits until every replica in `ids` reports one lastExecuted and one stateDigest; returns their statuses. */
  async waitConverged(ids: readonly number[], timeoutMs: number): Promise<Status[]> {
    let statuses: (Status | undefined)[] = [];
    const agreed = async () => {
      statuses = await Promise.all(ids.map((id) => this.status(id)));
      const first = statuses[0];
      return first !== undefined && statuses.every((status) => status !== undefined && status['lastExecuted'] === first['lastExecuted'] && status['stateDigest'] === first['stateDigest']);
    };
    try {
      await until(agreed, timeoutMs, `replicas ${ids.join(',')} to agree on lastExecuted and stateDigest`);
    } catch (error) {
      const seen = statuses.map((status) => status && { lastExecuted: status['lastExecuted'], stateDigest: String(status['stateDigest']).slice(0, 12) });
      throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(seen)}`);
    }
    return statuses as Status[];
  }

  /** Kills every replica process (SIGCONT first would not matter to SIGKILL) and closes the proxy. */
  async stop(): Promise<void> {
    const running = this.processes.filter((process) => process !== undefined);
    for (const process of running) process.child.kill('SIGKILL');
    await Promise.all(running.map((process) => process.exited));
    this.processes.fill(undefined);
    await this.proxy.close();
  }
}
