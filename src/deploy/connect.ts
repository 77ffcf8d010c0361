// The library's way into a deployed cluster: connect(cluster, clientKey) returns the
// promise client (get/put/cas/remove) over TCP. One request is outstanding at a time, as
// PBFT clients do (OSDI'99 §4.1). t comes from the wall clock ('clock' timestamps), so a
// process that restarts with the same key never reuses a t.
import { Client, type ClientConfig } from '../core/client.ts';
import { PancydbClient, type ClientClock } from '../client/pancydb-client.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { createFastestCrypto } from '../crypto/index.ts';
import { ClientNetwork } from '../net/client-network.ts';
import { clientOptimizations } from '../sim/optimizations.ts';
import { toHex } from '../core/bytes.ts';
import { encodeMacRequest, encodeSigned, MAC_BYTES } from '../core/encoding.ts';
import { CLIENT_FRAME_MAX_BYTES } from '../core/limits.ts';
import { validateOperation, type Operation, type OperationResult } from '../core/operations.ts';
import { authDomainOf, type ClusterConfig } from './cluster-config.ts';
import { ClientMessageLog, LoggedClient } from './client-message-log.ts';
import type { MessageLogFile } from './message-log.ts';

// What a library user needs beside connect(): reading cluster.json and a client key file.
export { loadClusterConfig, type ClusterConfig } from './cluster-config.ts';
export { readKeyFile } from './key-file.ts';

export interface ConnectOptions {
  /** Default: the client whose public key in cluster.json matches the key. */
  readonly clientId?: number;
  readonly crypto?: Crypto;
  /** First retransmission timeout (doubles per retry up to maxTimeoutMs). */
  readonly initialTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /**
   * Log each call and return and each frame to this file (picture/message-log-format.ts),
   * for `pancydb picture`. close() ends the session; the caller closes the file.
   */
  readonly messageLog?: MessageLogFile;
}

/**
 * How often a connected client looks at its retransmission timer. Its first timeout is
 * 500 ms, so 50 ms is fine enough; at the promise client's 10 ms default a process holding
 * the bench's 100 clients woke 10,000 times a second for nothing.
 */
const CLIENT_TICK_MS = 50;

/** A PancydbClient whose close() also closes its TCP links. */
export class ConnectedClient extends PancydbClient {
  private readonly clientConfig: ClientConfig;

  constructor(
    core: Client,
    readonly network: ClientNetwork,
    clock: ClientClock,
    private readonly messageLog?: ClientMessageLog,
  ) {
    super(core, network, clock, CLIENT_TICK_MS);
    this.clientConfig = core.config;
  }

  override execute(operation: Operation): Promise<OperationResult> {
    const tooLarge = requestTooLarge(this.clientConfig, operation);
    if (tooLarge !== undefined) return Promise.reject(new RangeError(tooLarge));
    const log = this.messageLog;
    if (log === undefined) return super.execute(operation);
    try {
      validateOperation(operation);
    } catch {
      return super.execute(operation); // Refused before it is sent: no call to log.
    }
    const op = log.call(operation);
    const result = super.execute(operation);
    if (op === undefined) return result;
    result.then(
      (value) => log.returned(op, value),
      (error: Error) => log.abandoned(op, error.message),
    );
    return result;
  }

  override close(): void {
    // Before the calls are rejected: their abandon lines precede the session's end.
    this.messageLog?.stop('client closed');
    super.close();
    this.network.close();
  }
}

/** Bytes of a REQUEST besides its strings' UTF-8 and its MACs: about 90 measured, the rest margin. */
const REQUEST_OVERHEAD_BOUND = 256;

/**
 * Why the REQUEST for `operation` is larger than a replica accepts from a client
 * (CLIENT_FRAME_MAX_BYTES), or undefined if it fits. A replica closes a link that sends a
 * larger frame, so such a request would never be answered: the client would redial and
 * retransmit until its caller gave up, with an outcome reported unknown that is certain.
 * Sized exactly: encoded as the client encodes it, with the widest t and stand-in
 * signature and MACs. An operation that is not valid at all is left to validateOperation.
 * @example requestTooLarge(clientConfigOf(cluster, key), { type: 'put', key: 'a', value: 'x'.repeat(70_000) }) // 'operation: ...'
 */
export function requestTooLarge(config: Pick<ClientConfig, 'id' | 'n' | 'auth'>, operation: Operation): string | undefined {
  // Every operation passes here on its way out: encode only one that could be near the cap.
  // A UTF-16 unit is at most 3 bytes of UTF-8, and the rest of a REQUEST (tags, varints, t,
  // client, signature) is under REQUEST_OVERHEAD_BOUND bytes besides its MACs.
  let chars = 0;
  for (const field of Object.values(operation)) if (typeof field === 'string') chars += field.length;
  if (3 * chars + REQUEST_OVERHEAD_BOUND + MAC_BYTES * config.n <= CLIENT_FRAME_MAX_BYTES) return undefined;
  let frameBytes: number;
  try {
    const request = { type: 'request', operation, timestamp: Number.MAX_SAFE_INTEGER, client: config.id } as const;
    const signature = () => new Uint8Array(64);
    const frame = config.auth === 'mac' ? encodeMacRequest(request, signature, () => new Uint8Array(MAC_BYTES * config.n)).frame : encodeSigned(request, signature).frame;
    frameBytes = frame.length;
  } catch {
    return undefined;
  }
  if (frameBytes <= CLIENT_FRAME_MAX_BYTES) return undefined;
  return `operation: its request would be ${frameBytes} bytes, and replicas accept at most ${CLIENT_FRAME_MAX_BYTES} from a client (shorten the key or value)`;
}

const wallClock: ClientClock = {
  nowMs: () => Date.now(),
  every: (intervalMs, tick) => {
    const timer = setInterval(tick, intervalMs);
    return () => clearInterval(timer);
  },
};

/**
 * @example
 * const client = connect(loadClusterConfig('testnet/cluster.json'), readKeyFile('testnet/client-0.key', crypto));
 * await client.put('a', 'x'); // { status: 'ok', actual: 'x', previousVersion: 0, version: 1 }
 * client.close();
 */
export function connect(cluster: ClusterConfig, clientKey: KeyPair, options: ConnectOptions = {}): ConnectedClient {
  const config = clientConfigOf(cluster, clientKey, options);
  const network = new ClientNetwork({ config: cluster, id: config.id, keyPair: clientKey, crypto: config.crypto, ...(options.log === undefined ? {} : { log: options.log }) });
  if (options.messageLog === undefined) return new ConnectedClient(new Client(config), network, wallClock);
  const messageLog = new ClientMessageLog(options.messageLog, config.id, config.n);
  messageLog.start(cluster.clusterId);
  return new ConnectedClient(new LoggedClient(config, messageLog), network, wallClock, messageLog);
}

/**
 * The pure client's configuration for `clientKey` in `cluster`, as connect() builds it:
 * everything protocol-wide (n, auth, optimizations) from cluster.json, nothing from elsewhere.
 * For a caller that drives the core over its own transport.
 * @example new Client(clientConfigOf(loadClusterConfig('net/cluster.json'), keyPair))
 */
export function clientConfigOf(cluster: ClusterConfig, clientKey: KeyPair, options: Omit<ConnectOptions, 'log' | 'messageLog'> = {}): ClientConfig {
  const crypto = options.crypto ?? createFastestCrypto();
  const id = options.clientId ?? cluster.clients.find((client) => toHex(client.publicKey) === toHex(clientKey.publicKey))?.id;
  if (id === undefined) throw new Error('clientKey: not the key of any client in cluster.json');
  const expected = cluster.clients[id]?.publicKey;
  if (expected === undefined || toHex(expected) !== toHex(clientKey.publicKey)) throw new Error(`clientId: cluster.json's client ${id} has another public key`);
  return {
    id,
    n: cluster.parameters.n,
    keyPair: clientKey,
    crypto,
    replicaKeys: cluster.replicas.map((replica) => replica.publicKey),
    initialTimeoutMs: options.initialTimeoutMs ?? 500,
    maxTimeoutMs: options.maxTimeoutMs ?? 4000,
    timestamps: 'clock',
    // As the replicas do: the mode from cluster.json, the cluster id as the keys' domain.
    auth: cluster.parameters.auth,
    authDomain: authDomainOf(cluster),
    // And the replicas' optimizations: a client that disagreed would lose replies or reads.
    ...clientOptimizations(cluster.parameters.optimizations),
  };
}
