// The `pancydb` command line: dispatches to subcommands and maps errors to exit status
// (0 success, 1 a check failed, 2 usage error).
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
                                           who equivocated, checked with public keys only`;

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // A progress line only where someone watches it; logs and pipes get none.
  ...(process.stderr.isTTY ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
};

export async function main(args: readonly string[], output: Output = consoleOutput): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'sim':
        return await runSimCommand(rest, output);
      case 'demo':
        return runDemo(rest, output);
      case 'testnet':
        return await runTestnetCommand(rest, output);
      case 'replica':
        return await runReplicaCommand(rest, output);
      case 'up':
        return await runUpCommand(rest, output);
      case 'client':
        return await runClientCommand(rest, output);
      case 'bench':
        return await runBenchCommand(rest, output);
      case 'verify-evidence':
        return await runVerifyEvidenceCommand(rest, output);
      case 'picture':
        return await runPictureCommand(rest, output);
      case 'merge':
        return await runMergeCommand(rest, output);
      case 'hunt':
        return await runHuntCommand(rest, output);
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
    throw error;
  }
}
