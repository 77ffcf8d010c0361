// cluster.json: the one truth about a deployed cluster (CometBFT's genesis + config in one
// file). It names every replica's address, metrics port and public key, every client's
// public key and the protocol parameters, among them the authentication mode (`auth`,
// src/core/auth.ts), which optimizations of OSDI'99 §5.1 are on (`optimizations`,
// src/sim/optimizations.ts) and whether the primary is robust (`robustPrimaryPercent`,
// src/core/primary-monitor.ts; off when absent); nothing else (no environment, no hidden file, no flag)
// overrides it. `clusterId` is the SHA-256 of the file's canonical content without the id,
// so two processes that accept each other's handshake run the very same configuration.
//
// Every problem is a UsageError naming the file and the field, as the scenario loader does
// (`cluster.json: replicas.2.port: must be a whole number ≥ 1 and ≤ 65535, got 0`).
import { toHex } from '../core/bytes.ts';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { UsageError } from '../cli/usage-error.ts';
import { AUTH_MODES, type AuthMode } from '../core/auth.ts';
import { DEFAULT_PARAMETERS, validateParameters, type ProtocolParameters } from '../core/config.ts';
import { canonicalOptimizations, OPTIMIZATIONS, type Optimization } from '../sim/optimizations.ts';
import { FieldReader, fieldPath, nonEmptyString, oneOf, show, wholeAtLeast, wholeBetween, type Expected, type JsonObject } from '../scenario/fields.ts';

export const CLUSTER_FORMAT = 'pancydb-cluster/v1';

export interface ReplicaEntry {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  /** HTTP port of /metrics, /health and /status, on the same host. */
  readonly metricsPort: number;
  readonly publicKey: Uint8Array;
}

export interface ClientEntry {
  readonly id: number;
  readonly publicKey: Uint8Array;
}

/**
 * The protocol parameters of a deployed cluster: the core's (robustPrimaryPercent among
 * them, absent when off), and how messages are authenticated.
 */
export interface ClusterParameters extends ProtocolParameters {
  /** 'signed' when an older cluster.json does not name it (that is what those clusters ran). */
  readonly auth: AuthMode;
  /**
   * The optimizations of OSDI'99 §5.1 every replica and client runs, each named once, in
   * OPTIMIZATIONS order; none when an older cluster.json does not name them. Cluster-wide
   * by nature: a client accepting writes on f+1 replies would let another's read be stale.
   */
  readonly optimizations: readonly Optimization[];
}

export interface ClusterConfig {
  /** Hex SHA-256 of the canonical content without this field. */
  readonly clusterId: string;
  readonly parameters: ClusterParameters;
  readonly replicas: readonly ReplicaEntry[];
  readonly clients: readonly ClientEntry[];
}

export type ParameterName = Exclude<keyof ProtocolParameters, 'n'>;
export const PARAMETER_NAMES = Object.keys(DEFAULT_PARAMETERS) as ParameterName[];

const TOP_KEYS = ['format', 'clusterId', 'n', 'parameters', 'replicas', 'clients'];
const REPLICA_KEYS = ['id', 'host', 'port', 'metricsPort', 'publicKey'];
const CLIENT_KEYS = ['id', 'publicKey'];
const PARAMETER_KEYS = [...PARAMETER_NAMES, 'robustPrimaryPercent', 'auth', 'optimizations'];
/** Aardvark's robust primary (primary-monitor.ts): a percent of the best recent view's rate. */
const robustPercent = wholeBetween(1, 100);

const port = wholeBetween(1, 65535);
const hex32: Expected<string> = {
  phrase: '64 hex digits (32 bytes)',
  accepts: (value): value is string => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value),
};

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * The domain of the cluster's session keys in 'mac' mode (src/crypto/session-keys.ts): its
 * id's 32 bytes, so two clusters whose members share Ed25519 keys still share no MAC key.
 */
export function authDomainOf(config: ClusterConfig): Uint8Array {
  return fromHex(config.clusterId);
}

/** JSON with object keys sorted at every depth: one text per value, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** clusterId of a parsed cluster.json: SHA-256 (hex) of its canonical JSON without `clusterId`. */
export function computeClusterId(json: JsonObject): string {
  const { clusterId: _omitted, ...rest } = json;
  return toHex(sha256(new TextEncoder().encode(canonicalJson(rest))));
}

/** The JSON form of a config, clusterId computed and first. */
export function clusterJson(config: Omit<ClusterConfig, 'clusterId'>): Record<string, unknown> {
  const { n, ...parameters } = config.parameters;
  const json: Record<string, unknown> = {
    format: CLUSTER_FORMAT,
    n,
    parameters: {
      ...Object.fromEntries(PARAMETER_NAMES.map((name) => [name, parameters[name]])),
      // Written only when on, so a cluster without it hashes as files from before it existed.
      ...(parameters.robustPrimaryPercent === undefined ? {} : { robustPrimaryPercent: parameters.robustPrimaryPercent }),
      auth: parameters.auth,
      optimizations: canonicalOptimizations(parameters.optimizations),
    },
    replicas: config.replicas.map((replica) => ({ id: replica.id, host: replica.host, port: replica.port, metricsPort: replica.metricsPort, publicKey: toHex(replica.publicKey) })),
    clients: config.clients.map((client) => ({ id: client.id, publicKey: toHex(client.publicKey) })),
  };
  return { clusterId: computeClusterId(json), ...json };
}

/** Reads and validates cluster.json; `file` is the path as the user gave it. */
export function loadClusterConfig(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the cluster file: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  return parseClusterConfig(json, file);
}

/** Validates an already-parsed cluster.json; errors name `file` and the field. */
export function parseClusterConfig(json: unknown, file: string): ClusterConfig {
  const reader = new FieldReader(file);
  const top = reader.object('', json, TOP_KEYS);
  reader.required(top, '', 'format', oneOf([CLUSTER_FORMAT]));
  const n = reader.required(top, '', 'n', wholeBetween(4, 31));
  if ((n - 1) % 3 !== 0) throw reader.error('n', `must be 3f+1 (4, 7, 10, ...), got ${n}`);
  const parameters = readParameters(reader, top, n);
  const replicas = readReplicas(reader, top, n);
  const clients = readClients(reader, top);
  const clusterId = reader.required(top, '', 'clusterId', hex32);
  const expected = computeClusterId(top);
  if (clusterId !== expected) throw reader.error('clusterId', `does not match the file's content (expected ${expected}, got ${clusterId}); the file was edited after it was generated`);
  return { clusterId, parameters, replicas, clients };
}

function readParameters(reader: FieldReader, top: JsonObject, n: number): ClusterParameters {
  const record = reader.requiredObject(top, '', 'parameters', PARAMETER_KEYS);
  const values: Record<string, number> = { n };
  for (const name of PARAMETER_NAMES) values[name] = reader.required(record, 'parameters', name, name === 'retransmitAfterMs' ? wholeAtLeast(0) : wholeAtLeast(1));
  // Off when absent: files written before it could be set keep their clusterId (as `auth` below).
  const robustPrimaryPercent = reader.optional(record, 'parameters', 'robustPrimaryPercent', robustPercent);
  if (robustPrimaryPercent !== undefined) values.robustPrimaryPercent = robustPrimaryPercent;
  const parameters = values as unknown as ProtocolParameters;
  try {
    validateParameters(parameters);
  } catch (error) {
    throw reader.error('parameters', (error as Error).message);
  }
  // Files written before the MAC mode existed have no `auth`; their clusterId hashes the
  // file as it is, so it still matches, and they ran signed.
  const auth = reader.optional(record, 'parameters', 'auth', oneOf(AUTH_MODES)) ?? 'signed';
  // Likewise files written before the optimizations could be chosen: they ran with none.
  return { ...parameters, auth, optimizations: readOptimizations(reader, record) };
}

/** `"optimizations": ["read-only", "digest-replies", "tentative"]`, each named at most once; [] when absent. */
function readOptimizations(reader: FieldReader, record: JsonObject): Optimization[] {
  const path = 'parameters.optimizations';
  if (!Object.hasOwn(record, 'optimizations')) return [];
  const names = reader.array(path, record.optimizations).map((name, index) => reader.read(fieldPath(path, index), name, oneOf(OPTIMIZATIONS)));
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) throw reader.error(fieldPath(path, index), `${JSON.stringify(name)} is named twice; name each optimization once`);
  });
  return canonicalOptimizations(names);
}

function readReplicas(reader: FieldReader, top: JsonObject, n: number): ReplicaEntry[] {
  if (!Object.hasOwn(top, 'replicas')) throw reader.error('replicas', `missing; must be a list of ${n} replicas`);
  const list = reader.array('replicas', top.replicas);
  if (list.length !== n) throw reader.error('replicas', `must list n=${n} replicas, got ${list.length}`);
  const seen = new Map<string, string>();
  const claim = (path: string, host: string, value: number) => {
    const address = `${host}:${value}`;
    const other = seen.get(address);
    if (other !== undefined) throw reader.error(path, `${address} is already used by ${other}`);
    seen.set(address, path);
  };
  return list.map((value, index) => {
    const path = fieldPath('replicas', index);
    const record = reader.object(path, value, REPLICA_KEYS);
    const id = reader.required(record, path, 'id', wholeBetween(index, index));
    const host = reader.required(record, path, 'host', nonEmptyString);
    const replicaPort = reader.required(record, path, 'port', port);
    const metricsPort = reader.required(record, path, 'metricsPort', port);
    claim(fieldPath(path, 'port'), host, replicaPort);
    claim(fieldPath(path, 'metricsPort'), host, metricsPort);
    const publicKey = fromHex(reader.required(record, path, 'publicKey', hex32));
    return { id, host, port: replicaPort, metricsPort, publicKey };
  });
}

function readClients(reader: FieldReader, top: JsonObject): ClientEntry[] {
  if (!Object.hasOwn(top, 'clients')) throw reader.error('clients', 'missing; must be a list of clients');
  const list = reader.array('clients', top.clients);
  const keys = new Map<string, number>();
  return list.map((value, index) => {
    const path = fieldPath('clients', index);
    const record = reader.object(path, value, CLIENT_KEYS);
    const id = reader.required(record, path, 'id', wholeBetween(index, index));
    const hex = reader.required(record, path, 'publicKey', hex32);
    const other = keys.get(hex);
    if (other !== undefined) throw reader.error(fieldPath(path, 'publicKey'), `is client ${other}'s key too; each client needs its own (got ${show(hex)})`);
    keys.set(hex, id);
    return { id, publicKey: fromHex(hex) };
  });
}
