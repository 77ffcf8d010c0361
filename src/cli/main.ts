// The `pancydb` command line: dispatches to subcommands and maps errors to exit status
// (0 success, 1 a check failed, 2 usage error, 70 internal error: any other exception, a
// bug in pancydb such as a worker thread that died, which must not read as 1, "a check
// failed"; 70 is EX_SOFTWARE of sysexits.h. Some commands give 3 a meaning of their own).
import { AdversaryFault } from '../adversary/host.ts';
import { runBenchCommand } from './bench.ts';
import { runClientCommand } from './client.ts';
import { runDemo } from './demo.ts';
import { runHuntCommand } from './hunt.ts';
import { runMergeCommand } from './merge.ts';
import { runPictureCommand } from './picture.ts';
import { runReplicaCommand } from './replica.ts';
import { runSimCommand, type Output } from './sim.ts';
import { runTestnetCommand } from './testnet.ts';
import { runUpCommand } from './up.ts';
import { runVerifyEvidenceCommand } from './verify-evidence.ts';
import { UsageError } from './usage-error.ts';

/** The exit status of an exception that is not a usage error: EX_SOFTWARE (sysexits.h), distinct from every status a command gives itself. */
export const INTERNAL_ERROR_STATUS = 70;

const HELP = `Usage: pancydb <command> [options]

Commands:
  sim     run PBFT-replicated Pancydb in the deterministic simulator (pancydb sim --help)
  hunt    search drawn fault schedules (≤ f faulty) for one that breaks a guarantee, and
          write it as a scenario file (pancydb hunt --help)
  demo    a narrated run: the primary falls silent and a view change replaces it (pancydb demo --help)
  testnet write cluster.json and key files for a new cluster (pancydb testnet --help)
  replica run one replica of a cluster as this process, over TCP (pancydb replica --help)
  up      run every replica of a cluster on this machine (pancydb up --help)
  client  get, put, cas or remove against a running cluster (pancydb client --help)
  bench   PBFT replica processes over TCP against an unreplicated server (pancydb bench --help)
  verify-evidence
          check evidence of equivocation offline, with public keys only (pancydb verify-evidence --help)
  picture draw a real cluster's run from its message logs as one HTML page (pancydb picture --help)
  merge   join the results of a sweep or hunt run in shards (sim or hunt --shard I/K --out
          FILE) into what one machine prints (pancydb merge --help; docs/sharding.md)

Examples:
  npx pancydb sim -R 5 --profile ci        five seeds of the small workload
  npx pancydb sim -S 7 -l 0.2 -V           one seed with 20% loss, traced
  npx pancydb sim --scenario adversaries/scenarios/equivocate.json -R 1000
                                           a scenario file over 1000 seeds, on every core
  npx pancydb sim --profile ci --silent 0@3 -V   watch a view change, message by message
  npx pancydb demo                         the same, narrated for newcomers
  npx pancydb testnet --out net && npx pancydb up net
                                           a real 4-replica cluster on this machine
  npx pancydb client --cluster net/cluster.json put a 1
  npx pancydb sim --scenario adversaries/scenarios/twin.json -S 1 -R 1 --evidence ev.json
  npx pancydb verify-evidence ev.json --sim-seed 1
                                           who equivocated, checked with public keys only

Exit status (every command): 0 success, 1 a check failed, 2 usage error, 70 internal
error (an unexpected exception, such as a worker thread that died); each command's
--help says what 0 and 1 mean for it, and client and verify-evidence give 3 a meaning
of their own.`;

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // A progress line only where someone watches it; logs and pipes get none.
  ...(process.stderr.isTTY ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
};

type Subcommand = (args: readonly string[], output: Output) => number | Promise<number>;

/** Each subcommand's runner, by name. */
export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  sim: runSimCommand,
  demo: runDemo,
  testnet: runTestnetCommand,
  replica: runReplicaCommand,
  up: runUpCommand,
  client: runClientCommand,
  bench: runBenchCommand,
  'verify-evidence': runVerifyEvidenceCommand,
  picture: runPictureCommand,
  merge: runMergeCommand,
  hunt: runHuntCommand,
};

/** `subcommands`: SUBCOMMANDS, or (tests) some of them replaced, to see how main maps what they throw. */
export async function main(args: readonly string[], output: Output = consoleOutput, subcommands: Readonly<Record<string, Subcommand>> = SUBCOMMANDS): Promise<number> {
  const [command, ...rest] = args;
  try {
    const subcommand = command === undefined || !Object.hasOwn(subcommands, command) ? undefined : subcommands[command];
    if (subcommand !== undefined) return await subcommand(rest, output);
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        output.out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof AdversaryFault) {
      // The adversary, not the command line, is wrong: --help would not help.
      output.err(`pancydb: ${error.message}`);
      return 2;
    }
    if (error instanceof UsageError) {
      output.err(`pancydb: ${error.message}`);
      const helped = ['sim', 'testnet', 'replica', 'up', 'client', 'bench', 'verify-evidence', 'picture', 'merge', 'hunt'].includes(command ?? '');
      output.err(`Try 'pancydb ${helped ? `${command} ` : ''}--help'.`);
      return 2;
    }
    // Anything else is pancydb's own fault, not the check's verdict (1) nor the user's (2).
    const [headline = '', ...detail] = (error instanceof Error ? error.message : String(error)).split('\n');
    output.err(`pancydb: internal error: ${headline}`);
    for (const line of detail) output.err(`  ${line}`);
    const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
    for (const line of frames) output.err(line);
    output.err('An unexpected error: unless this machine is at fault (a full disk, a port in use), please report it as a bug in pancydb, with the command line and the lines above.');
    return INTERNAL_ERROR_STATUS;
  }
}
