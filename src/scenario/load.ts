// Loading a scenario file: read it, parse the JSON, check every field (schema.ts), load
// each faulty replica's adversary, check its options and create it once (dry-create.ts).
// Every problem is a UsageError naming the file and the field, raised before any seed runs.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AdversaryFault } from '../adversary/host.ts';
import { OptionError, readOptions } from '../adversary/options.ts';
import { UsageError } from '../cli/usage-error.ts';
import { AdversaryLoadError, loadAdversary } from './adversary-module.ts';
import { dryCreate } from './dry-create.ts';
import { FieldReader } from './fields.ts';
import type { Scenario, ScenarioFaulty } from './scenario.ts';
import { checkScenario, type FaultyEntry } from './schema.ts';

/**
 * Loads and checks a scenario file. `file` is named in errors as given; adversary
 * paths in it are relative to its directory.
 * @example const scenario = await loadScenario('adversaries/scenarios/silent-primary.json');
 */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : error instanceof Error ? error.message : String(error);
    throw new UsageError(`${file}: cannot read the scenario file: ${reason}`);
  }
  return loadScenarioText(text, file);
}

/** Checks scenario JSON that claims to come from `file` (for tests and tools that hold the text). */
export async function loadScenarioText(text: string, file: string): Promise<Scenario> {
  const fields = new FieldReader(file);
  const draft = checkScenario(fields, parseJson(fields, text));
  const directory = dirname(resolve(file));
  const faulty = new Map<number, ScenarioFaulty>();
  // In id order, so the first bad one is the one reported.
  for (const entry of draft.faulty) faulty.set(entry.id, await loadFaulty(fields, entry, directory));
  const ids = [...faulty.keys()];
  for (const [id, spec] of faulty) {
    try {
      dryCreate(spec, id, ids, draft.n, draft.parameters);
    } catch (error) {
      if (error instanceof AdversaryFault) throw fields.error(`faulty.${id}.adversary`, error.message);
      throw error;
    }
  }
  return { ...draft, path: resolve(file), faulty };
}

function parseJson(fields: FieldReader, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    throw fields.error('', `invalid JSON: ${message}${position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`}`);
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

async function loadFaulty(fields: FieldReader, entry: FaultyEntry, directory: string): Promise<ScenarioFaulty> {
  const path = `faulty.${entry.id}`;
  let loaded;
  try {
    loaded = await loadAdversary(entry.adversary, directory);
  } catch (error) {
    if (error instanceof AdversaryLoadError) throw fields.error(`${path}.adversary`, error.message);
    throw error;
  }
  try {
    readOptions(loaded.definition.options, entry.options);
  } catch (error) {
    if (error instanceof OptionError) throw fields.error(`${path}.options.${error.field}`, error.message.slice(`${error.field}: `.length));
    throw error;
  }
  return { definition: loaded.definition, options: entry.options, adversary: entry.adversary, modulePath: loaded.modulePath };
}
