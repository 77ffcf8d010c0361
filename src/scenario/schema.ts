// The scenario file schema, checked field by field: everything but loading the
// adversary modules, which load.ts does next. Times are seconds in the file and ms in
// the Scenario. See adversaries/README.md for the schema with an example.
import { AUTH_MODES } from '../core/auth.ts';
import { DEFAULT_PARAMETERS, OPTIONAL_PARAMETER_NAMES, validateParameters, type ProtocolParameters } from '../core/config.ts';
import type { ScenarioExpectation, Scenario } from './scenario.ts';
import { MAX_DURATION_S, MAX_F, MAX_PARAMETER, MAX_SEEDS } from './bounds.ts';
import { anyString, fieldPath, nonEmptyString, numberAboveAtMost, numberBetween, oneOf, wholeBetween, type FieldReader } from './fields.ts';
import { readNetwork } from './network-fields.ts';
import { readWorkload } from './workload-fields.ts';
import { canonicalOptimizations, OPTIMIZATIONS, type Optimization } from '../sim/optimizations.ts';

const TOP_KEYS = ['name', 'description', 'f', 'auth', 'optimizations', 'network', 'faulty', 'workload', 'durationS', 'parameters', 'seeds', 'expect'];
const EXPECT_KEYS = ['liveAfterS', 'completeWithinS', 'violation'];
const FAULTY_KEYS = ['adversary', 'options'];
type ParameterName = keyof Omit<ProtocolParameters, 'n'>;
const PARAMETER_KEYS: readonly ParameterName[] = [...(Object.keys(DEFAULT_PARAMETERS) as ParameterName[]), ...OPTIONAL_PARAMETER_NAMES];
export const DEFAULT_SEEDS = 100;
/** Without `durationS`, the run lasts the workload plus this, or plus completeWithinS. */
const DEFAULT_TAIL_S = 5;

/** A faulty replica as the file names it, before its module is loaded. */
export interface FaultyEntry {
  readonly id: number;
  readonly adversary: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export type ScenarioDraft = Omit<Scenario, 'faulty' | 'path'> & { readonly faulty: readonly FaultyEntry[] };

export function checkScenario(fields: FieldReader, json: unknown): ScenarioDraft {
  const top = fields.object('', json, TOP_KEYS);
  const name = fields.required(top, '', 'name', nonEmptyString);
  const description = fields.optional(top, '', 'description', anyString) ?? '';
  const f = fields.required(top, '', 'f', wholeBetween(1, MAX_F));
  const n = 3 * f + 1;
  const auth = fields.optional(top, '', 'auth', oneOf(AUTH_MODES)) ?? 'signed';
  const optimizations = readOptimizations(fields, top['optimizations']);
  const network = readNetwork(fields, top['network'], n);
  const { workload, durationS: workloadS, byzantineClients } = readWorkload(fields, top);
  const expect = readExpect(fields, top['expect']);
  const durationS = fields.optional(top, '', 'durationS', numberAboveAtMost(0, MAX_DURATION_S)) ?? workloadS + tailS(expect);
  if (durationS > MAX_DURATION_S) throw fields.error('durationS', `missing, and workload.durationS plus the tail (${durationS} s) is above ${MAX_DURATION_S}; give durationS ≤ ${MAX_DURATION_S}`);
  if (durationS < workloadS) throw fields.error('durationS', `must be at least workload.durationS (${workloadS}), got ${durationS}`);
  const faulty = readFaulty(fields, top['faulty'], n);
  if (faulty.length > f && expect.kind !== 'violation') {
    const ids = faulty.map((entry) => entry.id).join(', ');
    throw fields.error('faulty', `${faulty.length} faulty replicas (${ids}) but f=${f} tolerates at most ${f}; a scenario that expects PBFT to break must say "expect": {"violation": true}`);
  }
  return {
    name,
    description,
    n,
    f,
    auth,
    optimizations,
    network,
    faulty,
    workload,
    byzantineClients,
    workloadDurationMs: workloadS * 1000,
    durationMs: durationS * 1000,
    parameters: readParameters(fields, top['parameters'], n),
    seeds: fields.optional(top, '', 'seeds', wholeBetween(1, MAX_SEEDS)) ?? DEFAULT_SEEDS,
    expect,
  };
}

/** `"optimizations": ["read-only", "digest-replies", "tentative"]`: which of §5.1's are on, each named once. */
function readOptimizations(fields: FieldReader, value: unknown): Optimization[] {
  if (value === undefined) return [];
  const names = fields.array('optimizations', value).map((name, index) => fields.read(fieldPath('optimizations', index), name, oneOf(OPTIMIZATIONS)));
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) throw fields.error(fieldPath('optimizations', index), `${JSON.stringify(name)} is named twice; name each optimization once`);
  });
  return canonicalOptimizations(names);
}

function tailS(expect: ScenarioExpectation): number {
  const liveness = expect.kind === 'live' ? expect : expect.kind === 'violation' ? expect.liveness : undefined;
  return liveness === undefined ? DEFAULT_TAIL_S : liveness.completeWithinMs / 1000;
}

function readExpect(fields: FieldReader, value: unknown): ScenarioExpectation {
  if (value === undefined) return { kind: 'safe' };
  const record = fields.object('expect', value, EXPECT_KEYS);
  const hasBound = Object.hasOwn(record, 'liveAfterS') || Object.hasOwn(record, 'completeWithinS');
  const liveness = hasBound
    ? {
        liveAfterMs: fields.required(record, 'expect', 'liveAfterS', numberBetween(0, MAX_DURATION_S)) * 1000,
        completeWithinMs: fields.required(record, 'expect', 'completeWithinS', numberAboveAtMost(0, MAX_DURATION_S)) * 1000,
      }
    : undefined;
  if (Object.hasOwn(record, 'violation')) {
    if (record['violation'] !== true) throw fields.error('expect.violation', `must be true (leave out "expect" to check safety only), got ${JSON.stringify(record['violation'])}`);
    return { kind: 'violation', liveness };
  }
  if (liveness === undefined) throw fields.error('expect', 'must be {"liveAfterS": …, "completeWithinS": …} or {"violation": true} (leave it out to check safety only)');
  return { kind: 'live', ...liveness };
}

function readFaulty(fields: FieldReader, value: unknown, n: number): FaultyEntry[] {
  if (value === undefined) return [];
  const record = fields.object('faulty', value, 'any');
  return Object.keys(record)
    .map((key): FaultyEntry => {
      const path = fieldPath('faulty', key);
      if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= n) throw fields.error(path, `the key must be a replica id 0..${n - 1} (n=3f+1=${n}), got ${JSON.stringify(key)}`);
      const entry = fields.object(path, record[key], FAULTY_KEYS);
      const adversary = fields.required(entry, path, 'adversary', nonEmptyString);
      const options = entry['options'] === undefined ? {} : fields.object(fieldPath(path, 'options'), entry['options'], 'any');
      return { id: Number(key), adversary, options };
    })
    .sort((a, b) => a.id - b.id);
}

function readParameters(fields: FieldReader, value: unknown, n: number): Partial<Omit<ProtocolParameters, 'n'>> {
  if (value === undefined) return {};
  const record = fields.object('parameters', value, PARAMETER_KEYS);
  const parameters: Partial<Record<ParameterName, number>> = {};
  for (const key of PARAMETER_KEYS) {
    const given = fields.optional(record, 'parameters', key, wholeBetween(1, MAX_PARAMETER));
    if (given !== undefined) parameters[key] = given;
  }
  try {
    validateParameters({ ...DEFAULT_PARAMETERS, ...parameters, n });
  } catch (error) {
    throw fields.error('parameters', error instanceof Error ? error.message : String(error));
  }
  return parameters;
}
