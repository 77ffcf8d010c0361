// Load for the crash tests: several library clients (connect(), one request outstanding
// each, OSDI'99 §4.1), each looping over get, put and cas on a few shared keys, every call
// recorded with its call and return time for the linearizability checker.
//
// No removes: a key's version then only grows, so an acknowledged write is lost exactly
// when the key's final version is below the write's version (the "ops lost" count of a
// whole-cluster crash). Linearizability is still decided by the checker on the history.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkPancydbVersions, describePancydbOperation, type PancydbOperation, type PancydbVersionCheckResult } from '../../../src/check/linearizability/index.ts';
import type { Operation, OperationResult, WriteResult } from '../../../src/core/operations.ts';
import { createNativeCrypto } from '../../../src/crypto/native.ts';
import { connect, type ConnectedClient } from '../../../src/deploy/connect.ts';
import type { ClusterConfig } from '../../../src/deploy/cluster-config.ts';
import { keyFileName, readKeyFile } from '../../../src/deploy/key-file.ts';
import type { Rng } from '../../../src/sim/rng.ts';

export const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];

interface Recorded {
  readonly id: number;
  readonly client: number;
  readonly callMs: number;
  readonly input: Operation;
  returnMs?: number;
  output?: OperationResult;
}

export class Load {
  private readonly clients: ConnectedClient[] = [];
  private readonly recorded: Recorded[] = [];
  private readonly workers: Promise<void>[] = [];
  private running = true;
  private nextId = 0;

  /** Clients 0 … count-1 of the cluster (their keys beside cluster.json) start their loops now. */
  constructor(
    private readonly config: ClusterConfig,
    private readonly dir: string,
    count: number,
    rng: Rng,
  ) {
    for (let client = 0; client < count; client++) {
      const connected = this.connect(client);
      this.clients.push(connected);
      this.workers.push(this.loop(client, connected, rng.fork(`client ${client}`)));
    }
  }

  /** Operations that returned (acknowledged) so far. */
  get acknowledged(): number {
    return this.recorded.filter((operation) => operation.output !== undefined).length;
  }

  /** Resolves once `more` further operations have been acknowledged (bounded). */
  async waitAcknowledged(more: number, timeoutMs: number): Promise<void> {
    const target = this.acknowledged + more;
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged < target) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${more} acknowledged operations (${this.acknowledged - target + more} came)`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * Stops issuing; waits up to `drainMs` for the outstanding calls, then closes the
   * clients (a call still open has an unknown outcome: it may or may not have happened).
   */
  async stop(drainMs: number): Promise<void> {
    this.running = false;
    const drained = Promise.all(this.workers);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
    for (const client of this.clients) client.close();
    await drained;
  }

  /**
   * A fresh client (id `client`, not one of the loops') reads every key; the reads join the
   * history, after everything else in real time. Returns each key's final version.
   */
  async readAll(client: number): Promise<Map<string, number>> {
    const reader = this.connect(client);
    const versions = new Map<string, number>();
    try {
      for (const key of KEYS) {
        const result = await this.call(client, reader, { type: 'get', key });
        versions.set(key, result.version);
      }
    } finally {
      reader.close();
    }
    return versions;
  }

  get history(): PancydbOperation[] {
    return this.recorded.map((operation) => ({ ...operation, returnMs: operation.returnMs, output: operation.output }));
  }

  check(): PancydbVersionCheckResult {
    return checkPancydbVersions(this.history);
  }

  /** Acknowledged successful writes whose key's final version is lower: writes the cluster forgot. */
  lostWrites(finalVersions: ReadonlyMap<string, number>): string[] {
    return this.recorded
      .filter((operation) => operation.input.type !== 'get' && operation.output?.status === 'ok')
      .filter((operation) => (operation.output as WriteResult).version > (finalVersions.get(operation.input.key) ?? 0))
      .map((operation) => describePancydbOperation(operation as PancydbOperation));
  }

  private connect(client: number): ConnectedClient {
    const crypto = createNativeCrypto();
    return connect(this.config, readKeyFile(join(this.dir, keyFileName('client', client)), crypto), { clientId: client, crypto });
  }

  private async loop(client: number, connected: ConnectedClient, rng: Rng): Promise<void> {
    const seen = new Map<string, string>();
    let count = 0;
    while (this.running) {
      const key = KEYS[rng.int(0, KEYS.length - 1)]!;
      const value = `c${client}-${count++}`;
      const draw = rng.int(0, 4);
      const operation: Operation =
        draw < 2 ? { type: 'get', key } : draw < 4 ? { type: 'put', key, value } : { type: 'cas', key, expected: seen.get(key) ?? '', desired: value };
      let result: OperationResult;
      try {
        result = await this.call(client, connected, operation);
      } catch {
        return; // Closed by stop(): the call's outcome stays unknown.
      }
      // What this client last saw at the key: the next cas expects it.
      if (operation.type === 'get') seen.set(key, result.status === 'ok' ? ((result as { value?: string }).value ?? '') : '');
      else if (result.status === 'ok') seen.set(key, operation.type === 'put' ? operation.value : operation.desired);
      else seen.set(key, (result as WriteResult).actual);
    }
  }

  private async call(client: number, connected: ConnectedClient, input: Operation): Promise<OperationResult> {
    const operation: Recorded = { id: this.nextId++, client, callMs: performance.now(), input };
    this.recorded.push(operation);
    const output = await connected.execute(input);
    operation.returnMs = performance.now();
    operation.output = output;
    return output;
  }
}
