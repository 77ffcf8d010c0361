// `pancydb testnet`: a fresh cluster.json and one private key file per replica and client.
// Ports are free ports found by binding port 0 at generation time (unless a base port is
// given), so tests and parallel testnets never collide on fixed numbers.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/** Two free ports per host, found by binding port 0; all are held until all are found, so none repeats. */
async function freePorts(hosts: readonly string[]): Promise<{ port: number; metricsPort: number }[]> {
  const servers: ReturnType<typeof createServer>[] = [];
  const bind = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      servers.push(server);
      server.once('error', (error) => reject(new UsageError(`cannot bind a port on ${host}: ${error.message}`)));
      server.listen(0, host, () => resolve((server.address() as { port: number }).port));
    });
  try {
    const result = [];
    for (const host of hosts) result.push({ port: await bind(host), metricsPort: await bind(host) });
    return result;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}
