// A random mix of get, put, cas and remove over a handful of keys `k0..k<keys-1>`,
// with a small value alphabet. Few keys and few values make clients collide on the
// same keys and CAS expectations match often, which is what exercises a
// linearizability checker; versionMatch values come from versions this client has
// observed (usually still current) or are small guesses (usually stale or absent).
import { isWriteResult, type Operation, type OperationResult, type OperationType } from '../../core/operations.ts';
import type { Rng } from '../rng.ts';
import type { ClientWorkload, WorkloadStep } from './workload.ts';

/** Relative weights; only their ratios matter. */
export interface OperationMix {
  readonly get: number;
  readonly put: number;
  readonly cas: number;
  readonly remove: number;
}

export interface RandomWorkloadOptions {
  readonly clientId: number;
  readonly rng: Rng;
  /** No operation is submitted at or after this simulated time. */
  readonly durationMs: number;
  /** Number of keys, default 4. */
  readonly keys?: number;
  readonly mix: OperationMix;
  /** Probability that a put, cas or remove carries a versionMatch; default 0.2. */
  readonly versionMatchChance?: number;
  /** Pause before each operation, uniform integer in [min, max]; default 0..50 ms. */
  readonly thinkMs?: { readonly min: number; readonly max: number };
}

const OPERATION_TYPES: readonly OperationType[] = ['get', 'put', 'cas', 'remove'];
const VALUES: readonly string[] = ['a', 'b', 'c', 'd'];
const DEFAULT_KEYS = 4;
const DEFAULT_VERSION_MATCH_CHANCE = 0.2;
const DEFAULT_THINK_MS = { min: 0, max: 50 } as const;
/** Among versionMatch draws, how often the last observed version is used rather than a guess. */
const OBSERVED_VERSION_CHANCE = 0.75;
const GUESSED_VERSION_MAX = 5;

/** What this client last learned about one key. */
interface KeyKnowledge {
  version: number;
  readonly seenValues: Set<string>;
}

/**
 * @example
 * const workload = createRandomWorkload({ clientId: 3, rng: createRng(7).fork('client-3'), durationMs: 10_000, mix: parseOperationMix('get=2,put=1,cas=1,remove=1') });
 * workload.start(0); // { kind: 'submit', afterMs: 17, operation: { type: 'cas', key: 'k2', expected: '', desired: 'b' } }
 */
export function createRandomWorkload(options: RandomWorkloadOptions): ClientWorkload {
  const keys = options.keys ?? DEFAULT_KEYS;
  const versionMatchChance = options.versionMatchChance ?? DEFAULT_VERSION_MATCH_CHANCE;
  const thinkMs = options.thinkMs ?? DEFAULT_THINK_MS;
  validateOptions(options, keys, versionMatchChance, thinkMs);
  const { rng, durationMs, mix } = options;
  const knowledge = new Map<string, KeyKnowledge>();
  let outstanding: Operation | undefined;
  let stopped = false;

  const know = (key: string): KeyKnowledge => {
    let known = knowledge.get(key);
    if (known === undefined) {
      known = { version: 0, seenValues: new Set() };
      knowledge.set(key, known);
    }
    return known;
  };

  const versionMatch = (key: string): { versionMatch?: number } => {
    if (!rng.chance(versionMatchChance)) return {};
    const known = knowledge.get(key);
    if (known !== undefined && rng.chance(OBSERVED_VERSION_CHANCE)) return { versionMatch: known.version };
    return { versionMatch: rng.int(0, GUESSED_VERSION_MAX) };
  };

  const nextOperation = (): Operation => {
    const type = pickType(rng, mix);
    const key = `k${rng.int(0, keys - 1)}`;
    switch (type) {
      case 'get':
        return { type, key };
      case 'put':
        return { type, key, value: pick(rng, VALUES), ...versionMatch(key) };
      case 'cas': {
        // Sorted so the draw does not depend on the order results arrived in.
        const candidates = ['', ...[...(knowledge.get(key)?.seenValues ?? [])].sort()];
        return { type, key, expected: pick(rng, candidates), desired: pick(rng, VALUES), ...versionMatch(key) };
      }
      case 'remove':
        return { type, key, ...versionMatch(key) };
      default:
        return assertNever(type);
    }
  };

  const step = (nowMs: number): WorkloadStep => {
    const afterMs = rng.int(thinkMs.min, thinkMs.max);
    if (nowMs + afterMs >= durationMs) {
      stopped = true;
      outstanding = undefined;
      return { kind: 'stop' };
    }
    outstanding = nextOperation();
    return { kind: 'submit', afterMs, operation: outstanding };
  };

  return {
    start(nowMs) {
      return step(nowMs);
    },
    onResult(nowMs, result) {
      if (stopped || outstanding === undefined) {
        throw new Error(`random client ${options.clientId}: onResult with no operation outstanding`);
      }
      learn(know(outstanding.key), outstanding, result);
      return step(nowMs);
    },
  };
}

/** Records the key's version and value as the result reports them. */
function learn(known: KeyKnowledge, operation: Operation, result: OperationResult): void {
  known.version = result.version;
  if (!isWriteResult(result)) {
    if (result.value !== undefined && result.value !== '') known.seenValues.add(result.value);
    return;
  }
  if (result.status === 'no_match' && result.actual !== '') known.seenValues.add(result.actual);
  if (result.status !== 'ok') return;
  if (operation.type === 'put') known.seenValues.add(operation.value);
  if (operation.type === 'cas') known.seenValues.add(operation.desired);
}

function pickType(rng: Rng, mix: OperationMix): OperationType {
  const total = mix.get + mix.put + mix.cas + mix.remove;
  let point = rng.next() * total;
  for (const type of OPERATION_TYPES) {
    point -= mix[type];
    if (point < 0) return type;
  }
  // Rounding can leave `point` at a hair above 0: the last type with weight wins.
  const last = OPERATION_TYPES.filter((type) => mix[type] > 0).at(-1);
  if (last === undefined) throw new Error('random workload: operation mix has no positive weight');
  return last;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[rng.int(0, items.length - 1)];
  if (item === undefined) throw new Error('random workload: pick from an empty list');
  return item;
}

/**
 * Parses `name=weight` pairs separated by commas; names are get, put, cas, remove;
 * weights are non-negative numbers; omitted names weigh 0; at least one must be positive.
 * @example parseOperationMix('get=2,put=1,cas=1,remove=1') // { get: 2, put: 1, cas: 1, remove: 1 }
 */
export function parseOperationMix(text: string): OperationMix {
  const mix: Record<OperationType, number> = { get: 0, put: 0, cas: 0, remove: 0 };
  const named = new Set<string>();
  for (const rawPart of text.split(',')) {
    const part = rawPart.trim();
    const [rawName, rawWeight, ...excess] = part.split('=');
    const name = (rawName ?? '').trim();
    const weightText = (rawWeight ?? '').trim();
    if (rawWeight === undefined || excess.length > 0) {
      throw new Error(`operation mix: part ${JSON.stringify(part)} is not of the form name=weight`);
    }
    if (!isOperationType(name)) {
      throw new Error(`operation mix: unknown operation ${JSON.stringify(name)} in ${JSON.stringify(part)}; expected one of ${OPERATION_TYPES.join(', ')}`);
    }
    if (named.has(name)) throw new Error(`operation mix: ${name} is given twice`);
    named.add(name);
    const weight = Number(weightText);
    if (weightText === '' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`operation mix: weight of ${name} must be a non-negative number, got ${JSON.stringify(weightText)}`);
    }
    mix[name] = weight;
  }
  if (mix.get + mix.put + mix.cas + mix.remove <= 0) {
    throw new Error(`operation mix: ${JSON.stringify(text)} gives no operation a positive weight`);
  }
  return mix;
}

function isOperationType(name: string): name is OperationType {
  return (OPERATION_TYPES as readonly string[]).includes(name);
}

function validateOptions(
  options: RandomWorkloadOptions,
  keys: number,
  versionMatchChance: number,
  thinkMs: { readonly min: number; readonly max: number },
): void {
  const { clientId, durationMs, mix } = options;
  if (!Number.isSafeInteger(clientId) || clientId < 0) {
    throw new Error(`createRandomWorkload: clientId must be a non-negative integer, got ${clientId}`);
  }
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new Error(`createRandomWorkload: durationMs must be a non-negative number, got ${durationMs}`);
  }
  if (!Number.isSafeInteger(keys) || keys < 1) {
    throw new Error(`createRandomWorkload: keys must be a positive integer, got ${keys}`);
  }
  for (const type of OPERATION_TYPES) {
    if (!Number.isFinite(mix[type]) || mix[type] < 0) {
      throw new Error(`createRandomWorkload: mix.${type} must be a non-negative number, got ${mix[type]}`);
    }
  }
  if (mix.get + mix.put + mix.cas + mix.remove <= 0) {
    throw new Error('createRandomWorkload: mix must give some operation a positive weight');
  }
  if (!(versionMatchChance >= 0 && versionMatchChance <= 1)) {
    throw new Error(`createRandomWorkload: versionMatchChance must be in [0, 1], got ${versionMatchChance}`);
  }
  if (!Number.isSafeInteger(thinkMs.min) || !Number.isSafeInteger(thinkMs.max) || thinkMs.min < 0 || thinkMs.max < thinkMs.min) {
    throw new Error(`createRandomWorkload: thinkMs must be integers with 0 <= min <= max, got ${JSON.stringify(thinkMs)}`);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
