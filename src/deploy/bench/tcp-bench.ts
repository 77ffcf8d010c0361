// `pancydb bench`: PBFT on real processes against an unreplicated baseline, in one run.
// Per auth mode (signed, mac: src/core/auth.ts), a fresh n-replica testnet on loopback
// (`pancydb replica` children, as `pancydb up` starts them) per durability mode and
// setting of OSDI'99 §5.1's optimizations (src/sim/optimizations.ts) and, beside them, one unreplicated server process over the same transport, authenticating
// as that mode does (../unreplicated-server.ts). Every client connects once, to each,
// before any row runs. Rows then alternate each mode's baseline and its PBFT clusters at
// each client count, so that a load change on a shared machine hits every side of a ratio
// alike (the systems not measured idle meanwhile: ticks only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthMode } from '../../core/auth.ts';
import type { Crypto } from '../../crypto/crypto.ts';
import { createFastestCrypto } from '../../crypto/index.ts';
import { describeOptimizations, type Optimization } from '../../sim/optimizations.ts';
import { connect, type ConnectedClient } from '../connect.ts';
import { keyFileName, readKeyFile } from '../key-file.ts';
import { generateTestnet } from '../testnet.ts';
import { GET_PUT_HALF, PUT_ONLY, runClosedLoop, type Execute, type Mix } from './closed-loop.ts';
import { allReady, cpuSecondsOf, startPancydb, stopProcess, type ServerProcess } from './processes.ts';
import { BASELINE, type BenchRow } from './report.ts';
import { UnreplicatedClient } from './unreplicated-client.ts';

export interface TcpBenchOptions {
  readonly n: number;
  /** Client counts of the 100%-put rows. */
  readonly putClients: readonly number[];
  /** Client counts of the 50% get / 50% put rows. */
  readonly mixedClients: readonly number[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly valueBytes: number;
  /** Authentication modes, in row order: one unreplicated server and one cluster per durability each. */
  readonly auths: readonly AuthMode[];
  /** One PBFT cluster per entry (and auth mode), its replicas run with `pancydb replica --durability` that. */
  readonly durabilities: readonly ('fsync' | 'none')[];
  /**
   * One PBFT cluster per entry (and auth mode and durability), its cluster.json's
   * parameters.optimizations that list; [[]], one cluster without any, unless given.
   */
  readonly optimizationSettings?: readonly (readonly Optimization[])[];
  /** Write every replica's V8 CPU profiles into DIR/AUTH-DURABILITY[-OPTIMIZATIONS]/replica-ID/ (one file per thread). */
  readonly cpuProfileDir?: string;
  readonly log: (line: string) => void;
  /** Called with each row as soon as it is measured. */
  readonly onRow?: (row: BenchRow) => void;
}

interface System {
  readonly name: string;
  readonly servers: readonly ServerProcess[];
  readonly clients: readonly Execute[];
  /** From its ready line: how its messages are authenticated. */
  readonly auth: string;
  readonly durability: string;
  /** From its ready line: OSDI'99 §5.1's optimizations on ('—' for the unreplicated server). */
  readonly optimizations: string;
  /** REQUEST frames the clients handed to the transport so far (retransmissions included). */
  readonly requestFrames: { count: number };
  /** Batches executed so far (replica 0's last executed sequence number), where there are batches. */
  readonly batches?: () => Promise<number | undefined>;
  /** Whether every client holds a link to every server of this system. */
  readonly connected: () => boolean;
}

/** lastExecuted from a replica's /status, or undefined if it does not answer. */
async function lastExecutedOf(host: string, metricsPort: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${metricsPort}/status`, { signal: AbortSignal.timeout(5000) });
    const status = (await response.json()) as { lastExecuted?: unknown };
    return typeof status.lastExecuted === 'number' ? status.lastExecuted : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Counts the frames a client sends, by wrapping its network's send: the client itself is
 * the one connect() returns, unchanged. More than one frame per operation means
 * retransmissions (a PBFT client resends to every replica after 500 ms, §4.1).
 */
function countSends(network: { send(to: number, frame: Uint8Array): void }, counter: { count: number }): void {
  const send = network.send.bind(network);
  network.send = (to, frame) => {
    counter.count++;
    send(to, frame);
  };
}

const CONNECT_TIMEOUT_MS = 60_000;
/** Every server started at once prints its ready line within this (seconds each when the machine is busy). */
const READY_TIMEOUT_MS = 90_000;

/** What the run started: its directory, crypto, and every process and client to stop at the end. */
interface Run {
  readonly dir: string;
  readonly crypto: Crypto;
  readonly clients: number;
  readonly servers: ServerProcess[];
  readonly closers: (() => void)[];
}

/** A system's testnet is written and its processes started; its clients connect once every process is ready. */
type Started = () => Promise<System>;

export async function runTcpBench(options: TcpBenchOptions): Promise<BenchRow[]> {
  const run: Run = {
    dir: mkdtempSync(join(tmpdir(), 'pancydb-bench-')),
    crypto: createFastestCrypto(),
    clients: Math.max(...options.putClients, ...options.mixedClients),
    servers: [],
    closers: [],
  };
  try {
    // Per mode, its baseline first and then its clusters: the order of the rows.
    const started: Started[] = [];
    const settings = options.optimizationSettings ?? [[]];
    for (const auth of options.auths) {
      started.push(await startBaseline(run, auth, options));
      for (const durability of options.durabilities) {
        for (const optimizations of settings) started.push(await startCluster(run, { auth, durability, optimizations }, options));
      }
    }
    await allReady(run.servers, READY_TIMEOUT_MS);
    const clusters = options.auths.length * options.durabilities.length * settings.length;
    options.log(`servers ready: ${run.servers.length} processes (${clusters} × ${options.n} replicas, ${options.auths.length} unreplicated server${options.auths.length === 1 ? '' : 's'}) in ${run.dir}`);
    const systems: System[] = [];
    for (const connectClients of started) systems.push(await connectClients());
    await waitUntil(() => systems.every((system) => system.connected()), CONNECT_TIMEOUT_MS, `${run.clients} clients connected to every server`);
    options.log(`clients connected: ${run.clients} to each system`);
    const specs: { clients: number; mix: Mix }[] = [...options.putClients.map((clients) => ({ clients, mix: PUT_ONLY })), ...options.mixedClients.map((clients) => ({ clients, mix: GET_PUT_HALF }))];
    const rows: BenchRow[] = [];
    for (const spec of specs) {
      for (const system of systems) {
        const row = await measure(system, spec.clients, spec.mix, options);
        rows.push(row);
        options.onRow?.(row);
      }
    }
    return rows;
  } finally {
    for (const close of run.closers) close();
    await Promise.all(run.servers.map((process) => stopProcess(process)));
    rmSync(run.dir, { recursive: true, force: true });
  }
}

/**
 * The unreplicated server of one auth mode. Its cluster.json has the clusters' n, so that a
 * 'mac' request carries as many MACs as a replicated client's; only replica 0 serves.
 */
async function startBaseline(run: Run, auth: AuthMode, options: TcpBenchOptions): Promise<Started> {
  const baseDir = join(run.dir, `unreplicated-${auth}`);
  const base = await generateTestnet({ n: options.n, out: baseDir, hosts: ['127.0.0.1'], clients: run.clients, crypto: run.crypto, auth });
  const server = startPancydb(`unreplicated server (${auth})`, ['bench', '--serve-unreplicated', base.file], /^unreplicated server ready:/);
  run.servers.push(server);
  return async () => {
    const ready = await server.ready;
    const clients = clientIds(run).map((id) => new UnreplicatedClient(base.config, id, readKeyFile(join(baseDir, keyFileName('client', id)), run.crypto), run.crypto));
    run.closers.push(() => clients.forEach((client) => client.close()));
    const system: System = {
      name: BASELINE,
      servers: [server],
      clients: clients.map((client): Execute => (operation) => client.execute(operation)),
      auth: authOf(ready),
      durability: durabilityOf(ready),
      optimizations: '—',
      requestFrames: { count: 0 },
      connected: () => clients.every((client) => client.network.connectedReplicas().length === 1),
    };
    for (const client of clients) countSends(client.network, system.requestFrames);
    return system;
  };
}

/** What sets one PBFT cluster of the run apart from the others. */
interface ClusterSetting {
  readonly auth: AuthMode;
  readonly durability: 'fsync' | 'none';
  readonly optimizations: readonly Optimization[];
}

/** A fresh n-replica testnet in one auth mode with one set of optimizations, its replicas run with one --durability. */
async function startCluster(run: Run, setting: ClusterSetting, options: TcpBenchOptions): Promise<Started> {
  const { auth, durability, optimizations } = setting;
  // "mac-none", or "mac-none-read-only,digest-replies,tentative": a directory name per cluster.
  const mode = `${auth}-${durability}${optimizations.length === 0 ? '' : `-${describeOptimizations(optimizations)}`}`;
  const pbftDir = join(run.dir, `pbft-${mode}`);
  const pbft = await generateTestnet({ n: options.n, out: pbftDir, hosts: ['127.0.0.1'], clients: run.clients, crypto: run.crypto, auth, optimizations });
  const replicas = pbft.config.replicas.map(({ id }) => {
    const profile = options.cpuProfileDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', join(options.cpuProfileDir, mode, `replica-${id}`)] : [];
    return startPancydb(`replica ${id} (${mode})`, ['replica', '--cluster', pbft.file, '--id', String(id), '--data', join(pbftDir, 'data', `replica-${id}`), '--durability', durability], /^replica \d+ ready:/, profile);
  });
  run.servers.push(...replicas);
  return async () => {
    const ready = await replicas[0]!.ready;
    const clients: ConnectedClient[] = clientIds(run).map((id) => connect(pbft.config, readKeyFile(join(pbftDir, keyFileName('client', id)), run.crypto), { clientId: id, crypto: run.crypto }));
    run.closers.push(() => clients.forEach((client) => client.close()));
    const system: System = {
      name: `PBFT n=${options.n}`,
      servers: replicas,
      clients: clients.map((client): Execute => (operation) => client.execute(operation)),
      auth: authOf(ready),
      durability: durabilityOf(ready),
      optimizations: optimizationsOf(ready),
      requestFrames: { count: 0 },
      batches: () => lastExecutedOf(pbft.config.replicas[0]!.host, pbft.config.replicas[0]!.metricsPort),
      connected: () => clients.every((client) => client.network.connectedReplicas().length === options.n),
    };
    for (const client of clients) countSends(client.network, system.requestFrames);
    return system;
  };
}

function clientIds(run: Run): number[] {
  return Array.from({ length: run.clients }, (_, id) => id);
}

/** The auth mode a server reported in its ready line ("auth mac"): what its cluster.json says. */
function authOf(readyLine: string): string {
  return /auth (\S+?),?(\s|$)/.exec(readyLine)?.[1] ?? 'unknown';
}

/** The durability a server reported in its ready line ("durability none"). */
function durabilityOf(readyLine: string): string {
  return /durability (\S+?),?(\s|$)/.exec(readyLine)?.[1] ?? 'unknown';
}

/** The optimizations a replica reported at the end of its ready line ("optimizations none", "optimizations read-only,tentative"). */
function optimizationsOf(readyLine: string): string {
  return /, optimizations (\S+)$/.exec(readyLine)?.[1] ?? 'unknown';
}


async function measure(system: System, clients: number, mix: Mix, options: TcpBenchOptions): Promise<BenchRow> {
  // CPU is sampled around the measured window only: the warm-up is discarded here too.
  let serverCpuStart: number | undefined;
  let benchCpuStart = process.cpuUsage();
  let framesStart = system.requestFrames.count;
  let batchesStart: Promise<number | undefined> = Promise.resolve(undefined);
  const warmupTimer = setTimeout(() => {
    serverCpuStart = serversCpu(system.servers);
    benchCpuStart = process.cpuUsage();
    framesStart = system.requestFrames.count;
    batchesStart = system.batches?.() ?? Promise.resolve(undefined);
  }, options.warmupMs);
  const result = await runClosedLoop(system.clients.slice(0, clients), { warmupMs: options.warmupMs, durationMs: options.durationMs, valueBytes: options.valueBytes, mix });
  clearTimeout(warmupTimer);
  // Read right after the loop: the drain of in-flight operations adds a little.
  const serverCpuEnd = serversCpu(system.servers);
  const benchCpu = process.cpuUsage(benchCpuStart);
  const frames = system.requestFrames.count - framesStart;
  const [batchesFrom, batchesTo] = await Promise.all([batchesStart, system.batches?.()]);
  const batches = batchesFrom === undefined || batchesTo === undefined ? undefined : batchesTo - batchesFrom;
  const opsPerBatch = batches === undefined || batches === 0 ? undefined : result.operations / batches;
  const seconds = options.durationMs / 1000;
  const serverCpuPercent = serverCpuStart === undefined || serverCpuEnd === undefined ? undefined : (100 * (serverCpuEnd - serverCpuStart)) / seconds;
  const benchCpuPercent = (100 * (benchCpu.user + benchCpu.system)) / 1e6 / seconds;
  const requestFramesPerOp = result.operations === 0 ? undefined : frames / result.operations;
  return { system: system.name, auth: system.auth, durability: system.durability, optimizations: system.optimizations, mix: mix.name, ...result, serverCpuPercent, benchCpuPercent, requestFramesPerOp, opsPerBatch };
}

function serversCpu(servers: readonly ServerProcess[]): number | undefined {
  let total = 0;
  for (const server of servers) {
    const seconds = cpuSecondsOf(server.child.pid);
    if (seconds === undefined) return undefined;
    total += seconds;
  }
  return total;
}

/** Polls `condition` every 25 ms (a bounded wait on a condition, never a bare sleep). */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
