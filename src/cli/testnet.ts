// `pancydb testnet`: writes cluster.json and the key files of a new cluster (src/deploy/testnet.ts).
import { parseAuthMode, type AuthMode } from '../core/auth.ts';
import { quorumsFor } from '../core/quorum.ts';
import { createFastestCrypto } from '../crypto/index.ts';
import { parseFlags, required, wholeFlag } from '../deploy/args.ts';
import { generateTestnet } from '../deploy/testnet.ts';
import { describeOptimizations, OPTIMIZATIONS } from '../sim/optimizations.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const TESTNET_HELP = `Usage: pancydb testnet --out DIR [--n 4] [--host HOST | --hosts H0,H1,...] [--base-port P] [--clients 4]
                       [--auth signed|mac] [--read-only] [--digest-replies] [--tentative]
                       [--robust-primary PERCENT]

Writes DIR/cluster.json (addresses, metrics ports, public keys, protocol parameters and a
clusterId hashing it all), DIR/replica-<i>.key and DIR/client-<c>.key (mode 0600).
  --n N           replicas, 3f+1 (4, 7, 10, ...; default 4, at most 31)
  --host HOST     every replica on HOST (default 127.0.0.1)
  --hosts LIST    one host per replica, comma-separated (e.g. 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5)
  --base-port P   replica i on P+2i, its metrics on P+2i+1 (default: free ports drawn now,
                  below the ephemeral range that outgoing connections take theirs from)
  --clients C     client keys to make (default 4)
  --auth MODE     how messages are authenticated, recorded in cluster.json's parameters
                  (replicas and clients take it from there): signed (default), every
                  message signed with Ed25519; or mac, PBFT's MAC authenticators where no
                  third party checks a message: requests carry a signature and one MAC per
                  replica, replies one MAC (src/core/auth.ts)
The optimizations of OSDI'99 §5.1, each off unless given, recorded in cluster.json's
parameters.optimizations (every replica and client takes them from there):
  --read-only       a get goes to every replica and runs at once, unordered; the client
                    needs 2f+1 matching replies, and so does every ordered request
                    (src/core/read-only.ts)
  --digest-replies  one designated replica sends each result, the others its digest
                    (src/core/digest-replies.ts)
  --tentative       replicas reply once a batch prepared; a result needs 2f+1 matching
                    replies (src/core/tentative.ts)
Off unless given, recorded in cluster.json's parameters (every replica takes it from there):
  --robust-primary PERCENT
                    Aardvark's robust primary (NSDI'09 §4.3; src/core/primary-monitor.ts),
                    parameters.robustPrimaryPercent: backups vote out a primary whose
                    per-client throughput falls below PERCENT (1..100) of recent views',
                    or that starves a client; 30 suits a closed-loop load. The cluster
                    changes view once early, to measure a second primary`;

export async function runTestnetCommand(args: readonly string[], output: Output): Promise<number> {
  const { values } = parseFlags(args, {
    out: { type: 'string' },
    n: { type: 'string' },
    host: { type: 'string' },
    hosts: { type: 'string' },
    'base-port': { type: 'string' },
    clients: { type: 'string' },
    auth: { type: 'string' },
    'read-only': { type: 'boolean' },
    'digest-replies': { type: 'boolean' },
    tentative: { type: 'boolean' },
    'robust-primary': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    output.out(TESTNET_HELP);
    return 0;
  }
  const out = required('--out', values.out);
  const n = wholeFlag('--n', values.n, 4, 31) ?? 4;
  try {
    quorumsFor(n);
  } catch {
    throw new UsageError(`--n: must be 3f+1 (4, 7, 10, ...), got ${n}`);
  }
  if (values.host !== undefined && values.hosts !== undefined) throw new UsageError('--host and --hosts: give one or the other');
  const hosts = values.hosts !== undefined ? values.hosts.split(',').map((host) => host.trim()) : [values.host ?? '127.0.0.1'];
  if (hosts.some((host) => host === '')) throw new UsageError(`--hosts: empty host in ${JSON.stringify(values.hosts)}`);
  const basePort = wholeFlag('--base-port', values['base-port'], 1, 65535);
  const clients = wholeFlag('--clients', values.clients, 1, 10_000) ?? 4;
  const auth = authFlag(values.auth);
  // Each optimization's flag is its name.
  const optimizations = OPTIMIZATIONS.filter((name) => values[name] === true);
  const robustPrimaryPercent = wholeFlag('--robust-primary', values['robust-primary'], 1, 100);
  const parameters = robustPrimaryPercent === undefined ? {} : { robustPrimaryPercent };
  const { file, config } = await generateTestnet({ n, out, hosts, clients, auth, optimizations, parameters, crypto: createFastestCrypto(), ...(basePort === undefined ? {} : { basePort }) });
  output.out(`wrote ${file}: ${n} replicas (f=${(n - 1) / 3}), ${clients} clients, auth ${auth}, clusterId ${config.clusterId.slice(0, 16)}`);
  output.out(`  optimizations ${describeOptimizations(config.parameters.optimizations)}`);
  for (const replica of config.replicas) output.out(`  replica ${replica.id}  ${replica.host}:${replica.port}  metrics http://${replica.host}:${replica.metricsPort}/metrics`);
  output.out(`start it: pancydb up ${out}`);
  return 0;
}

function authFlag(value: string | undefined): AuthMode {
  try {
    return parseAuthMode(value ?? 'signed', '--auth');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
