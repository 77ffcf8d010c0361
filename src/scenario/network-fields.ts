// The `network` section of a scenario file: loss and delays, partitions, slow links and
// crashes, in seconds in the file and in ms in NetworkOptions (src/sim/network.ts).
import { DEFAULT_NETWORK, type Crash, type NetworkOptions, type Partition, type SlowLink } from '../sim/network.ts';
import { MAX_DURATION_S, MAX_JITTER_MS } from './bounds.ts';
import { boolean, fieldPath, lossProbability, numberAboveAtMost, numberBetween, probability, replicaId, type FieldReader } from './fields.ts';

const TIME_S = numberBetween(0, MAX_DURATION_S);

const NETWORK_KEYS = ['loss', 'lossUntilS', 'jitterMs', 'duplicate', 'reorder', 'partitions', 'slowLinks', 'crashes'];
const PARTITION_KEYS = ['fromS', 'untilS', 'groups'];
const SLOW_LINK_KEYS = ['fromS', 'untilS', 'to', 'delayMs'];
const CRASH_KEYS = ['replica', 'atS', 'restartAtS', 'amnesia'];

export function readNetwork(fields: FieldReader, value: unknown, n: number): NetworkOptions {
  if (value === undefined) return DEFAULT_NETWORK;
  const path = 'network';
  const record = fields.object(path, value, NETWORK_KEYS);
  const partitions = record['partitions'] === undefined ? [] : fields.array('network.partitions', record['partitions']);
  const crashes = record['crashes'] === undefined ? [] : fields.array('network.crashes', record['crashes']);
  const slowLinks = record['slowLinks'] === undefined ? [] : fields.array('network.slowLinks', record['slowLinks']);
  return {
    ...DEFAULT_NETWORK,
    loss: fields.optional(record, path, 'loss', lossProbability) ?? DEFAULT_NETWORK.loss,
    // Left out when absent, so a run whose loss lasts throughout has the options it always had.
    ...lossUntil(fields.optional(record, path, 'lossUntilS', TIME_S)),
    jitterMs: fields.optional(record, path, 'jitterMs', numberBetween(0, MAX_JITTER_MS)) ?? DEFAULT_NETWORK.jitterMs,
    duplicate: fields.optional(record, path, 'duplicate', probability) ?? DEFAULT_NETWORK.duplicate,
    reorder: fields.optional(record, path, 'reorder', probability) ?? DEFAULT_NETWORK.reorder,
    partitions: partitions.map((item, index) => readPartition(fields, `network.partitions.${index}`, item, n)),
    crashes: crashes.map((item, index) => readCrash(fields, `network.crashes.${index}`, item, n)),
    // Left out when empty, so a run without slow links has the options it always had.
    ...(slowLinks.length === 0 ? {} : { slowLinks: slowLinks.map((item, index) => readSlowLink(fields, `network.slowLinks.${index}`, item, n)) }),
  };
}

function lossUntil(untilS: number | undefined): { lossUntilMs?: number } {
  return untilS === undefined ? {} : { lossUntilMs: untilS * 1000 };
}

/** `{"fromS": 1, "untilS": 4, "to": [2, 3], "delayMs": 40}`: links from the other replicas into 2 and 3 take 40 ms longer. */
function readSlowLink(fields: FieldReader, path: string, value: unknown, n: number): SlowLink {
  const record = fields.object(path, value, SLOW_LINK_KEYS);
  const fromS = fields.required(record, path, 'fromS', TIME_S);
  const untilS = fields.required(record, path, 'untilS', TIME_S);
  if (!(untilS > fromS)) throw fields.error(fieldPath(path, 'untilS'), `must be after fromS (${fromS}), got ${untilS}`);
  if (!Object.hasOwn(record, 'to')) throw fields.error(fieldPath(path, 'to'), 'missing; must be a list of replica ids');
  const toPath = fieldPath(path, 'to');
  const to = fields.array(toPath, record['to'], 1).map((id, index) => fields.read(fieldPath(toPath, index), id, replicaId(n)));
  if (new Set(to).size !== to.length) throw fields.error(toPath, 'names a replica twice');
  const delayMs = fields.required(record, path, 'delayMs', numberAboveAtMost(0, MAX_JITTER_MS));
  return { fromMs: fromS * 1000, untilMs: untilS * 1000, to, delayMs };
}

function readPartition(fields: FieldReader, path: string, value: unknown, n: number): Partition {
  const record = fields.object(path, value, PARTITION_KEYS);
  const fromS = fields.required(record, path, 'fromS', TIME_S);
  const untilS = fields.required(record, path, 'untilS', TIME_S);
  if (!(untilS > fromS)) throw fields.error(fieldPath(path, 'untilS'), `must be after fromS (${fromS}), got ${untilS}`);
  if (!Object.hasOwn(record, 'groups')) throw fields.error(fieldPath(path, 'groups'), 'missing; must be a list of at least 2 lists of replica ids');
  const groupsPath = fieldPath(path, 'groups');
  const groups = fields.array(groupsPath, record['groups'], 2).map((group, index) =>
    fields.array(fieldPath(groupsPath, index), group, 1).map((id, position) => fields.read(`${groupsPath}.${index}.${position}`, id, replicaId(n))),
  );
  const seen = new Set<number>();
  for (const id of groups.flat()) {
    if (seen.has(id)) throw fields.error(groupsPath, `replica ${id} is in more than one group`);
    seen.add(id);
  }
  // Seconds to ms exactly as the --partition flag converts them, so a file and flags agree.
  return { fromMs: fromS * 1000, untilMs: untilS * 1000, groups };
}

function readCrash(fields: FieldReader, path: string, value: unknown, n: number): Crash {
  const record = fields.object(path, value, CRASH_KEYS);
  const replica = fields.required(record, path, 'replica', replicaId(n));
  const atS = fields.required(record, path, 'atS', TIME_S);
  const restartAtS = fields.optional(record, path, 'restartAtS', numberAboveAtMost(0, MAX_DURATION_S));
  const amnesia = fields.optional(record, path, 'amnesia', boolean);
  if (restartAtS === undefined) {
    if (amnesia !== undefined) throw fields.error(fieldPath(path, 'amnesia'), 'needs restartAtS: only a replica that comes back can come back without its disk');
    return { replica, atMs: atS * 1000 };
  }
  if (!(restartAtS > atS)) throw fields.error(fieldPath(path, 'restartAtS'), `must be after atS (${atS}), got ${restartAtS}`);
  return { replica, atMs: atS * 1000, restartAtMs: restartAtS * 1000, ...(amnesia === true ? { amnesia } : {}) };
}
