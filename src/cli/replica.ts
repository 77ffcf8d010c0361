// `pancydb replica`: one replica process. Parses, validates, wires and logs; the protocol
// is the pure core, driven by src/deploy/replica-node.ts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNativeCrypto } from '../crypto/native.ts';
import { memoizeVerify } from '../crypto/memo.ts';
import { parseFlags, required, wholeFlag } from '../deploy/args.ts';
import { loadReplica } from '../deploy/load-member.ts';
import { ReplicaNode, type LogLine } from '../deploy/replica-node.ts';
import { readAdversaryFlags } from './replica-adversary.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const REPLICA_HELP = `Usage: pancydb replica --cluster FILE --id I --data DIR [--key FILE]
                       [--adversary NAME|PATH [--adversary-options JSON] [--adversary-seed S]]

Runs replica I of the cluster in FILE: listens on its host and port, dials the replicas with
higher ids, serves /metrics, /health and /status on its metrics port. Prints one ready line,
then one JSON line per notable event. SIGTERM or SIGINT stops it (exit 0).
  --key FILE   its private key (default: replica-I.key beside FILE)
  --data DIR   its data directory (required). Durability is none for now: DIR only records
               that the replica has run before, so a restart comes back as "restarted
               without memory" and casts no vote until that is safe (src/core/restart-guard.ts).
               Without it a restarted process could not tell it had voted before.
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
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    output.out(REPLICA_HELP);
    return 0;
  }
  const clusterFile = required('--cluster', values.cluster);
  const id = required('--id', wholeFlag('--id', values.id, 0, 30));
  // Before anything is loaded or created: a misspelt adversary or option fails at once.
  const adversary = await readAdversaryFlags(values, process.cwd());
  const crypto = memoizeVerify(createNativeCrypto());
  const { cluster, keyPair } = loadReplica(clusterFile, id, values.key, crypto);
  // Required: a process that cannot tell whether it ran before could vote twice for one (v, n).
  const restarted = markStarted(required('--data', values.data));
  const log = (line: LogLine) => output.out(JSON.stringify({ time: new Date().toISOString(), replica: id, ...line }));
  const fault: { resolve: (fault: Error) => void } = { resolve: () => undefined };
  const faulted = new Promise<Error>((resolve) => (fault.resolve = resolve));
  const onAdversaryFault = (error: Error) => fault.resolve(error);
  const node = new ReplicaNode({
    cluster,
    id,
    keyPair,
    crypto,
    restarted,
    log,
    ...(adversary === undefined ? {} : { adversary, onAdversaryFault }),
  });
  const where = await node.start().catch((error: Error) => {
    throw new UsageError(`replica ${id}: cannot listen: ${error.message}`);
  });
  const replica = node.replica;
  if (adversary !== undefined) {
    // The options as given on the command line (the adversary gets them with defaults filled in).
    const { definition, options } = adversary.spec;
    output.out(`replica ${id} adversary ${definition.name}, options ${JSON.stringify(options)}, seed ${adversary.seed} (repeat with --adversary-seed ${adversary.seed})`);
  }
  output.out(`replica ${id} ready: view ${replica.view}, last executed ${replica.lastExecuted}, listening on ${where.listen}, metrics ${where.metrics}, durability none, restarted ${restarted ? 'yes' : 'no'}`);
  const signal = await Promise.race([
    new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    }),
    faulted,
  ]);
  await node.stop();
  if (signal instanceof Error) {
    // The adversary broke its contract (src/adversary/host.ts): its bug, reported as a usage error.
    log({ event: 'stopped', reason: 'adversary-fault', view: replica.view, lastExecuted: replica.lastExecuted });
    throw signal;
  }
  log({ event: 'stopped', signal, view: replica.view, lastExecuted: replica.lastExecuted });
  return 0;
}

/** Creates the data directory; true when it shows this replica ran before. */
function markStarted(dataDir: string): boolean {
  try {
    mkdirSync(dataDir, { recursive: true });
    const marker = join(dataDir, 'started');
    const before = existsSync(marker);
    if (!before) writeFileSync(marker, `${new Date().toISOString()}\n`);
    return before;
  } catch (error) {
    throw new UsageError(`--data: ${(error as Error).message}`);
  }
}
