// Finding and loading the adversary a scenario names. A bare name ("equivocate") is a
// built-in: adversaries/<name>.ts in this repository, or its compiled adversaries/<name>.js
// in the installed package (dist/). Anything with a "/" or a .ts, .js or .mjs ending is a
// file, relative to the scenario file's directory, so a scenario and its own adversary can
// live together anywhere. The module's default export must look like an
// AdversaryDefinition (src/adversary/adversary.ts); it needs no imports.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AdversaryDefinition } from '../adversary/adversary.ts';
import type { OptionSpec } from '../adversary/options.ts';

const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * adversaries/ at the repository root, found from this file: src/scenario/ is two levels
 * down. The build keeps that layout (dist/src/scenario/, dist/adversaries/).
 */
export const BUILT_IN_ADVERSARIES_DIR = join(dirname(THIS_FILE), '..', '..', 'adversaries');

/** ".ts" run from the sources, ".js" compiled: the built-ins are whatever this file is. */
const BUILT_IN_EXTENSION = extname(THIS_FILE);

const OPTION_KINDS: readonly OptionSpec['kind'][] = ['number', 'integer', 'boolean', 'choice', 'ids', 'records'];

export interface LoadedAdversary {
  readonly definition: AdversaryDefinition;
  /** Absolute path of the module. */
  readonly modulePath: string;
}

/** Thrown with a message that completes "faulty.N.adversary: …". */
export class AdversaryLoadError extends Error {}

/** The built-in adversary names, sorted: adversaries/*.ts (compiled: *.js). */
export function builtInAdversaryNames(): string[] {
  return readdirSync(BUILT_IN_ADVERSARIES_DIR)
    .filter((file) => file.endsWith(BUILT_IN_EXTENSION) && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -BUILT_IN_EXTENSION.length))
    .sort();
}

export function isAdversaryPath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || /\.(ts|js|mjs)$/.test(name);
}

/** Where `name` lives, or an AdversaryLoadError saying where it was looked for. */
export function locateAdversary(name: string, scenarioDirectory: string): string {
  if (isAdversaryPath(name)) {
    const path = resolve(scenarioDirectory, name);
    if (!existsSync(path) || !statSync(path).isFile()) throw new AdversaryLoadError(`no file ${name} (looked for ${path})`);
    return path;
  }
  const path = join(BUILT_IN_ADVERSARIES_DIR, `${name}${BUILT_IN_EXTENSION}`);
  if (/^[\w-]+$/.test(name) && existsSync(path)) return path;
  throw new AdversaryLoadError(
    `no built-in adversary ${JSON.stringify(name)} (built-ins: ${builtInAdversaryNames().join(', ')}); ` + `a file must be named by a path such as ./${name}.ts`,
  );
}

export async function loadAdversary(name: string, scenarioDirectory: string): Promise<LoadedAdversary> {
  const modulePath = locateAdversary(name, scenarioDirectory);
  if (isTypeScriptPath(modulePath)) await registerTypeScriptLoader();
  let module: { readonly default?: unknown };
  try {
    module = (await import(pathToFileURL(modulePath).href)) as { readonly default?: unknown };
  } catch (error) {
    if (isTypeScriptPath(modulePath) && (error as { code?: unknown } | null)?.code === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new AdversaryLoadError(
        `could not load ${name}: ${modulePath} is TypeScript, which this Node cannot load by itself; ` +
          `install tsx next to pancydb-bft (npm install --save-dev tsx) or write the adversary as a .js or .mjs file`,
      );
    }
    throw new AdversaryLoadError(`could not load ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const problem = definitionProblem(module.default);
  if (problem !== undefined) {
    throw new AdversaryLoadError(`${name} does not default-export an adversary definition: ${problem} (see adversaries/README.md)`);
  }
  return { definition: module.default as AdversaryDefinition, modulePath };
}

function isTypeScriptPath(path: string): boolean {
  return /\.[cm]?ts$/.test(path);
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Lets `import()` load a user's .ts adversary. Run from the sources, a loader (tsx,
 * vitest) is already in place. Compiled, plain Node cannot load .ts before 22.18/23.6,
 * so register tsx if it can be found from here (a devDependency of the user's project);
 * if it cannot, the import is tried anyway: a Node that strips types loads the file, and
 * an older one fails with ERR_UNKNOWN_FILE_EXTENSION, which loadAdversary explains.
 */
function registerTypeScriptLoader(): Promise<void> {
  if (BUILT_IN_EXTENSION === '.ts') return Promise.resolve();
  typeScriptLoader ??= import('tsx/esm/api').then(
    (tsx) => void tsx.register(),
    () => undefined,
  );
  return typeScriptLoader;
}

/** What is wrong with a would-be AdversaryDefinition, or undefined if nothing is. */
export function definitionProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return value === undefined ? 'there is no default export' : 'the default export is not an object';
  const definition = value as Record<string, unknown>;
  if (typeof definition['name'] !== 'string' || definition['name'] === '') return 'name must be a non-empty string';
  if (typeof definition['create'] !== 'function') return 'create must be a function';
  const options = definition['options'];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return 'options must be an object of option specs';
  for (const [key, spec] of Object.entries(options)) {
    const kind = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>)['kind'] : undefined;
    if (!OPTION_KINDS.includes(kind as OptionSpec['kind']) || !Object.hasOwn(spec as object, 'default')) {
      return `options.${key} must have a kind (${OPTION_KINDS.join(', ')}) and a default`;
    }
    if (kind === 'records') {
      const problem = recordsProblem(spec as Record<string, unknown>);
      if (problem !== undefined) return `options.${key} ${problem}`;
    }
  }
  return undefined;
}

/** What is wrong with a records spec: its fields are checked when options are read, so they must be specs of a plain kind. */
function recordsProblem(spec: Record<string, unknown>): string | undefined {
  const maxLength = spec['maxLength'];
  if (typeof maxLength !== 'number' || !Number.isSafeInteger(maxLength) || maxLength < 0) return 'must have a maxLength, a whole number';
  const fields = spec['fields'];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'must have fields, an object of option specs';
  for (const [name, field] of Object.entries(fields)) {
    const kind = typeof field === 'object' && field !== null ? (field as Record<string, unknown>)['kind'] : undefined;
    if (kind === 'records' || !OPTION_KINDS.includes(kind as OptionSpec['kind'])) return `fields.${name} must have a kind (${OPTION_KINDS.filter((plain) => plain !== 'records').join(', ')})`;
  }
  return undefined;
}
