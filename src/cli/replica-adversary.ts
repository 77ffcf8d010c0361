// `pancydb replica --adversary NAME|PATH [--adversary-options JSON] [--adversary-seed S]`:
// the flags of a Byzantine replica process, checked as a scenario file's `faulty` entry is
// (src/scenario/load.ts), with errors naming the flag instead of the field. The plug-in
// itself is the simulator's, unchanged; src/deploy/replica-node.ts hosts it.
import { randomBytes } from 'node:crypto';
import type { FaultySpec } from '../adversary/host.ts';
import { OptionError, readOptions } from '../adversary/options.ts';
import type { Rng } from '../adversary/rng.ts';
import { AdversaryLoadError, loadAdversary } from '../scenario/adversary-module.ts';
import { createRng } from '../sim/rng.ts';
import { UsageError } from './usage-error.ts';

export interface AdversaryFlags {
  readonly adversary?: string | undefined;
  readonly 'adversary-options'?: string | undefined;
  readonly 'adversary-seed'?: string | undefined;
}

export interface ReplicaAdversary {
  readonly spec: FaultySpec;
  readonly rng: Rng;
  /** The seed `rng` came from: --adversary-seed, or a fresh random one to print. */
  readonly seed: string;
  /** The options with defaults filled in, as the adversary receives them. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The adversary the flags name, or undefined for an honest replica. A bare name is a
 * built-in (adversaries/NAME.ts); a path is relative to the working directory.
 *
 * @example
 *   await readAdversaryFlags({ adversary: 'silent', 'adversary-options': '{"fromS":0}' }, process.cwd())
 */
export async function readAdversaryFlags(flags: AdversaryFlags, directory: string): Promise<ReplicaAdversary | undefined> {
  const name = flags.adversary;
  if (name === undefined) {
    for (const flag of ['adversary-options', 'adversary-seed'] as const) {
      if (flags[flag] !== undefined) throw new UsageError(`--${flag}: only with --adversary NAME|PATH`);
    }
    return undefined;
  }
  let definition;
  try {
    ({ definition } = await loadAdversary(name, directory));
  } catch (error) {
    if (error instanceof AdversaryLoadError) throw new UsageError(`--adversary: ${error.message}`);
    throw error;
  }
  const given = parseOptions(flags['adversary-options']);
  let options: Readonly<Record<string, unknown>>;
  try {
    options = readOptions(definition.options, given);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    throw new UsageError(error.field === 'options' ? '--adversary-options: must be a JSON object' : `--adversary-options: ${error.message} (adversary ${JSON.stringify(definition.name)})`);
  }
  const seedFlag = flags['adversary-seed'];
  if (seedFlag !== undefined && seedFlag.trim() === '') throw new UsageError('--adversary-seed: must not be empty');
  // A fresh seed is printed at start, so the adversary's choices can be repeated.
  const seed = seedFlag ?? String(randomBytes(6).readUIntBE(0, 6));
  return { spec: { definition, options: given }, rng: createRng(seed), seed, options };
}

function parseOptions(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--adversary-options: not valid JSON: ${(error as Error).message}`);
  }
}
