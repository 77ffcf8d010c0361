// The `workload` section of a scenario file: which clients run, for how long, and the
// Byzantine clients among them.
import { BYZANTINE_CLIENT_KINDS, type ByzantineClientKind, type ByzantineClientOptions } from '../sim/byzantine-clients.ts';
import { lockseqWorkloadOf, type ProfileName } from '../sim/profiles.ts';
import { parseOperationMix } from '../sim/workload/random.ts';
import type { WorkloadOptions } from '../sim/workloads.ts';
import { MAX_BYZANTINE_CLIENTS, MAX_BYZANTINE_RATE_PER_S, MAX_CLIENTS, MAX_DURATION_S, MAX_KEYS } from './bounds.ts';
import { fieldPath, nonEmptyString, numberAboveAtMost, oneOf, wholeBetween, type FieldReader, type JsonObject } from './fields.ts';

const WORKLOAD_KEYS = ['kind', 'clients', 'durationS', 'profile', 'mix', 'keys', 'byzantineClients'];
const BYZANTINE_KEYS = ['count', 'kinds', 'ratePerS'];
/** The random workload's defaults, as `pancydb sim --workload random` has them. */
export const DEFAULT_MIX = 'get=2,put=1,cas=1,remove=1';
export const DEFAULT_KEYS = 4;

export interface WorkloadSection {
  readonly workload: WorkloadOptions;
  readonly durationS: number;
  readonly byzantineClients: ByzantineClientOptions | undefined;
}

export function readWorkload(fields: FieldReader, top: JsonObject): WorkloadSection {
  const path = 'workload';
  const record = fields.requiredObject(top, '', path, WORKLOAD_KEYS);
  const kind = fields.required(record, path, 'kind', oneOf(['lockseq', 'random']));
  const clients = fields.required(record, path, 'clients', wholeBetween(1, MAX_CLIENTS));
  const durationS = fields.required(record, path, 'durationS', numberAboveAtMost(0, MAX_DURATION_S));
  const onlyFor = (key: string, workloadKind: string) => {
    if (Object.hasOwn(record, key)) throw fields.error(fieldPath(path, key), `applies to the ${workloadKind} workload only, and workload.kind is ${JSON.stringify(kind)}`);
  };
  const byzantineClients = readByzantineClients(fields, record['byzantineClients']);
  if (kind === 'lockseq') {
    onlyFor('mix', 'random');
    onlyFor('keys', 'random');
    const profile: ProfileName = fields.optional(record, path, 'profile', oneOf(['ci', 'full'])) ?? 'ci';
    return { workload: lockseqWorkloadOf(profile, clients), durationS, byzantineClients };
  }
  onlyFor('profile', 'lockseq');
  const keys = fields.optional(record, path, 'keys', wholeBetween(1, MAX_KEYS)) ?? DEFAULT_KEYS;
  const mixText = fields.optional(record, path, 'mix', nonEmptyString) ?? DEFAULT_MIX;
  try {
    return { workload: { kind, clients, keys, mix: parseOperationMix(mixText) }, durationS, byzantineClients };
  } catch (error) {
    throw fields.error(fieldPath(path, 'mix'), error instanceof Error ? error.message : String(error));
  }
}

function readByzantineClients(fields: FieldReader, value: unknown): ByzantineClientOptions | undefined {
  if (value === undefined) return undefined;
  const path = 'workload.byzantineClients';
  const record = fields.object(path, value, BYZANTINE_KEYS);
  const count = fields.required(record, path, 'count', wholeBetween(1, MAX_BYZANTINE_CLIENTS));
  if (!Object.hasOwn(record, 'kinds')) throw fields.error(fieldPath(path, 'kinds'), `missing; must be a list of ${BYZANTINE_CLIENT_KINDS.join(', ')}`);
  const kinds = fields.array(fieldPath(path, 'kinds'), record['kinds'], 1).map((kind, index): ByzantineClientKind =>
    fields.read(`${path}.kinds.${index}`, kind, oneOf(BYZANTINE_CLIENT_KINDS)),
  );
  const ratePerS = fields.required(record, path, 'ratePerS', numberAboveAtMost(0, MAX_BYZANTINE_RATE_PER_S));
  return { count, kinds, ratePerS };
}
