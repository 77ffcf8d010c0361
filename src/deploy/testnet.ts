// `pancydb testnet`: a fresh cluster.json and one private key file per replica and client.
// Ports are free ports found at generation time (unless a base port is given), so tests
// and parallel testnets never collide on fixed numbers. They are drawn below the kernel's
// ephemeral range: a port there is free until the replica binds it, whereas a port of that
// range (what binding port 0 gives) can meanwhile become the local end of any outgoing
// connection on the machine, and the replica then cannot listen.
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { UsageError } from '../cli/usage-error.ts';
import type { AuthMode } from '../core/auth.ts';
import { DEFAULT_PARAMETERS, type ProtocolParameters } from '../core/config.ts';
import type { Crypto } from '../crypto/crypto.ts';
import type { Optimization } from '../sim/optimizations.ts';
import { clusterJson, parseClusterConfig, type ClusterConfig } from './cluster-config.ts';
import { keyFileName, writeKeyFile } from './key-file.ts';

export interface TestnetOptions {
  readonly n: number;
  readonly out: string;
  /** One host for every replica, or one per replica. */
  readonly hosts: readonly string[];
  /** Replica i listens on basePort + 2i and serves metrics on basePort + 2i + 1. */
  readonly basePort?: number;
  readonly clients: number;
  readonly crypto: Crypto;
  /** Over TESTNET_PARAMETERS; robustPrimaryPercent (off unless given) is written only when given. */
  readonly parameters?: Partial<Omit<ProtocolParameters, 'n'>>;
  /** How messages are authenticated (src/core/auth.ts); 'signed' unless given. */
  readonly auth?: AuthMode;
  /** The optimizations of OSDI'99 §5.1 the cluster runs (src/sim/optimizations.ts); none unless given. */
  readonly optimizations?: readonly Optimization[];
}

export const CLUSTER_FILE = 'cluster.json';

/**
 * What a fresh testnet's cluster.json holds unless `parameters` says otherwise: the core's
 * defaults, which suit the simulator's lossy network, except when to retransmit. Over TCP
 * nothing is lost short of a broken link, so an entry still unexecuted 30 ms after it was
 * created means a busy machine, not a lost message; yet with 30 ms every replica of the
 * TCP bench sent STATUS every 50 ms under load, and the answers (pushed PRE-PREPAREs,
 * signed commit certificates) cost 0.24 STATUS and 0.08 certificates per operation at
 * the primary, each signed and verified like any message. At 200 ms and 100 ms they fall
 * to about 0.01 per operation; a link that did drop frames is repaired 170 ms later.
 */
export const TESTNET_PARAMETERS: Omit<ProtocolParameters, 'n'> = { ...DEFAULT_PARAMETERS, retransmitAfterMs: 200, statusIntervalMs: 100 };

export async function generateTestnet(options: TestnetOptions): Promise<{ readonly file: string; readonly config: ClusterConfig }> {
  const { n, out, crypto } = options;
  if (options.hosts.length !== 1 && options.hosts.length !== n) throw new UsageError(`--hosts: must name 1 or n=${n} hosts, got ${options.hosts.length}`);
  const file = join(out, CLUSTER_FILE);
  if (existsSync(file)) throw new UsageError(`${file}: already exists; choose another --out directory`);
  const hostOf = (id: number) => options.hosts[options.hosts.length === 1 ? 0 : id]!;
  const ports = options.basePort === undefined ? await freePorts(Array.from({ length: n }, (_, id) => hostOf(id))) : fixedPorts(n, options.basePort);
  const replicaSecrets = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
  const clientSecrets = Array.from({ length: options.clients }, () => new Uint8Array(randomBytes(32)));
  const json = clusterJson({
    parameters: { ...TESTNET_PARAMETERS, ...options.parameters, n, auth: options.auth ?? 'signed', optimizations: options.optimizations ?? [] },
    replicas: replicaSecrets.map((secret, id) => ({ id, host: hostOf(id), ...ports[id]!, publicKey: crypto.keyPair(secret).publicKey })),
    clients: clientSecrets.map((secret, id) => ({ id, publicKey: crypto.keyPair(secret).publicKey })),
  });
  // Checked like any hand-written file before anything is written.
  const config = parseClusterConfig(json, file);
  mkdirSync(out, { recursive: true });
  replicaSecrets.forEach((secret, id) => writeKeyFile(join(out, keyFileName('replica', id)), secret));
  clientSecrets.forEach((secret, id) => writeKeyFile(join(out, keyFileName('client', id)), secret));
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`, { flag: 'wx' });
  return { file, config };
}

function fixedPorts(n: number, basePort: number): { port: number; metricsPort: number }[] {
  if (!Number.isSafeInteger(basePort) || basePort < 1 || basePort + 2 * n > 65535) throw new UsageError(`--base-port: must leave room for ${2 * n} ports below 65536, got ${basePort}`);
  return Array.from({ length: n }, (_, id) => ({ port: basePort + 2 * id, metricsPort: basePort + 2 * id + 1 }));
}

/** Two free ports per host, drawn below the ephemeral range; all are held until all are found, so none repeats. */
async function freePorts(hosts: readonly string[]): Promise<{ port: number; metricsPort: number }[]> {
  const range = drawRange();
  const servers: ReturnType<typeof createServer>[] = [];
  const listen = (host: string, port: number) =>
    new Promise<number | undefined>((resolve, reject) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (port !== 0 && (error.code === 'EADDRINUSE' || error.code === 'EACCES')) resolve(undefined);
        else reject(new UsageError(`cannot bind a port on ${host}: ${error.message}`));
      });
      server.listen(port, host, () => {
        servers.push(server);
        resolve((server.address() as { port: number }).port);
      });
    });
  const bind = async (host: string) => {
    if (range !== undefined) {
      for (let attempt = 0; attempt < DRAW_ATTEMPTS; attempt++) {
        const port = await listen(host, randomInt(range.low, range.high));
        if (port !== undefined) return port;
      }
    }
    return (await listen(host, 0))!;
  };
  try {
    const result = [];
    for (const host of hosts) result.push({ port: await bind(host), metricsPort: await bind(host) });
    return result;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** Draws of a port in use before falling back to port 0 (an ephemeral port). */
const DRAW_ATTEMPTS = 20;
/** The lowest port drawn: clear of the well-known and most commonly configured ports. */
const DRAW_LOW = 10_000;

/**
 * [DRAW_LOW, the ephemeral range's start): Linux's is in /proc (32768 by default); where
 * there is no /proc, 32768 is below the other kernels' default (49152). Undefined if the
 * range left is too narrow to draw from.
 */
function drawRange(): { low: number; high: number } | undefined {
  let ephemeralLow = 32_768;
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isSafeInteger(first) && first > 0) ephemeralLow = Math.min(ephemeralLow, first);
  } catch {
    // No /proc: the default above.
  }
  return ephemeralLow - DRAW_LOW >= 1000 ? { low: DRAW_LOW, high: ephemeralLow } : undefined;
}
