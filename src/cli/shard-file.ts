// A shard's results file (`pancydb sim --shard I/K --out FILE`, format pancydb-shard/v1):
// what defines the sweep, which slice this file holds, and per seed its report, the text
// lines `pancydb sim` printed for it and, for a failing seed, its replay command.
// `pancydb merge` reads these files (and `pancydb hunt --shard`'s, hunt-shard-file.ts); they
// come from elsewhere, so every field is checked here and a bad file is a usage error naming
// it, never a crash.
import { open } from 'node:fs/promises';
import type { SeedReport } from '../sim/run.ts';
import { MAX_SEEDS } from '../scenario/bounds.ts';
import { shardRange } from './shard.ts';
import { UsageError } from './usage-error.ts';

export const SHARD_FORMAT = 'pancydb-shard/v1';
/** A shard file is read whole: beyond this, split the sweep into more shards. */
export const MAX_SHARD_FILE_BYTES = 256 * 1024 * 1024;

/** Everything that must be equal in every shard of one sweep. */
export interface SweepIdentity {
  /** The command that reruns the whole sweep (scenario path, -S, -R, the flags that shape runs). */
  readonly command: string;
  /** SHA-256 of the scenario file's bytes, hex; null without --scenario. */
  readonly scenarioSha256: string | null;
  readonly firstSeed: number;
  readonly seeds: number;
  /** K. */
  readonly shards: number;
  readonly expectsViolation: boolean;
  /** The line `pancydb sim` prints before the seeds for the whole sweep; null when it prints none. */
  readonly header: string | null;
}

export interface ShardSeed {
  readonly report: SeedReport;
  /** What `pancydb sim` prints for the seed without --json: its summary and VIOLATION lines. */
  readonly lines: readonly string[];
  /** For a seed with violations: the command that replays it. */
  readonly replay?: string;
}

export interface ShardFile {
  readonly format: typeof SHARD_FORMAT;
  readonly sweep: SweepIdentity;
  /** I, and the slice it holds: seeds firstSeed..firstSeed+seeds-1. */
  readonly shard: { readonly index: number; readonly firstSeed: number; readonly seeds: number };
  readonly results: readonly ShardSeed[];
}

/** One results file of either kind (sim's, or hunt's: hunt-shard-file.ts), read within the bound and parsed, not yet checked. */
export async function readResultsJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readBounded(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return json;
}

async function readBounded(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_SHARD_FILE_BYTES) throw new UsageError(`${path}: ${size} bytes, more than ${MAX_SHARD_FILE_BYTES} a shard file may have; split the sweep into more shards`);
    // Read at most one byte past the bound: a file that grows meanwhile is still caught.
    const buffer = Buffer.alloc(Math.min(size, MAX_SHARD_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) throw new UsageError(`${path}: grew while being read; read it again once its shard is done`);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
export const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
export const isString = (value: unknown): value is string => typeof value === 'string';
/**
 * Characters a terminal acts on rather than shows: C0 controls (tab, line breaks, ESC of a
 * cursor move or a screen clear), DEL, C1 controls (CSI U+009B alone starts an escape
 * sequence) and the Unicode line and paragraph separators.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/**
 * A string printed as one line, as it is: a line break would smuggle in lines (a forged PASS)
 * of its own, and an escape sequence could move the cursor over the lines printed before it.
 * Nothing pancydb prints holds such a character, tabs included.
 */
export const isLine = (value: unknown): value is string => isString(value) && !CONTROL.test(value);

/** `text` with every character isLine refuses written as a \uXXXX escape: for messages that quote what a file holds. */
export function printable(text: string): string {
  return text.replace(CONTROLS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The structure, and that the slice is the one shard I of K must hold, seed by seed. */
export function checkShardFile(path: string, json: unknown): ShardFile {
  const bad = (what: string) => new UsageError(`${path}: not a pancydb sim --shard results file (${what})`);
  if (!isObject(json) || json['format'] !== SHARD_FORMAT) throw bad(`format is not ${SHARD_FORMAT}`);
  const { sweep, shard, results } = json;
  // Every string here is printed, or quoted in a message (scenarioSha256, when two files differ in it).
  if (!isObject(sweep) || !isLine(sweep['command']) || !(sweep['scenarioSha256'] === null || (isString(sweep['scenarioSha256']) && /^[0-9a-f]{64}$/.test(sweep['scenarioSha256'])))) throw bad('sweep');
  if (!isCount(sweep['firstSeed']) || !isCount(sweep['seeds']) || !isCount(sweep['shards']) || typeof sweep['expectsViolation'] !== 'boolean') throw bad('sweep');
  if (!(sweep['header'] === null || isLine(sweep['header']))) throw bad('sweep.header');
  const identity = sweep as unknown as SweepIdentity;
  // The bounds sim itself keeps (-R ≤ MAX_SEEDS, seeds ≤ 2^53-1): a forged count buys no unbounded work.
  if (identity.seeds < 1 || identity.seeds > MAX_SEEDS || identity.seeds - 1 > Number.MAX_SAFE_INTEGER - identity.firstSeed) throw bad('sweep.seeds');
  if (identity.shards < 1 || identity.shards > identity.seeds) throw bad('sweep.shards');
  if (!isObject(shard) || !isCount(shard['index']) || shard['index'] >= identity.shards) throw bad('shard.index');
  const range = shardRange({ index: shard['index'], count: identity.shards }, identity.seeds);
  const firstSeed = identity.firstSeed + range.offset;
  if (shard['firstSeed'] !== firstSeed || shard['seeds'] !== range.seeds) throw bad(`shard ${shard['index']}/${identity.shards} holds seeds ${firstSeed}..${firstSeed + range.seeds - 1}`);
  if (!Array.isArray(results) || results.length !== range.seeds) throw bad(`results: ${range.seeds} seeds expected`);
  results.forEach((result: unknown, offset) => checkSeed(result, firstSeed + offset, bad));
  return json as unknown as ShardFile;
}

function checkSeed(result: unknown, seed: number, bad: (what: string) => UsageError): void {
  if (!isObject(result) || !isObject(result['report']) || result['report']['seed'] !== seed) throw bad(`results: seed ${seed} missing or out of order`);
  const { report, lines, replay } = result as { report: Record<string, unknown>; lines: unknown; replay: unknown };
  const violations = report['violations'];
  if (!Array.isArray(violations) || !violations.every((violation) => isObject(violation) && isString(violation['property']) && isString(violation['detail']))) {
    throw bad(`seed ${seed}: report.violations`);
  }
  if (!Array.isArray(lines) || lines.length === 0 || !lines.every(isLine)) throw bad(`seed ${seed}: lines`);
  if (violations.length > 0 ? !isLine(replay) : replay !== undefined) throw bad(`seed ${seed}: replay`);
}
