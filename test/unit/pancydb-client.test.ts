// The promise API over four real replicas, joined by an in-test message pump and a
// manual clock: calls resolve with the replicated results, in order.
import { describe, expect, it } from 'vitest';
import { PancydbClient, type ClientClock, type ClientTransport } from '../../src/client/pancydb-client.ts';
import { Client } from '../../src/core/client.ts';
import { DEFAULT_PARAMETERS } from '../../src/core/config.ts';
import type { Peer } from '../../src/core/gateway.ts';
import { Replica, type ReplicaOutput } from '../../src/core/replica.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';

function cluster(options: { deafReplica?: number } = {}) {
  const crypto = createCrypto('native');
  const n = 4;
  const replicaPairs = Array.from({ length: n }, (_, id) => crypto.keyPair(deriveSecretKey('client-api', 'replica', id)));
  const replicaKeys = replicaPairs.map((pair) => pair.publicKey);
  const clientPair = crypto.keyPair(deriveSecretKey('client-api', 'client', 0));
  const replicas = replicaPairs.map(
    (keyPair, id) => new Replica({ ...DEFAULT_PARAMETERS, n, id, keyPair, crypto, replicaKeys, clientKey: (c) => (c === 0 ? clientPair.publicKey : undefined) }),
  );
  const queue: { from: Peer; to: Peer; frame: Uint8Array }[] = [];
  let now = 0;
  const tickers: { intervalMs: number; nextMs: number; tick: () => void }[] = [];
  let clientHandler: (from: number, frame: Uint8Array) => void = () => {};
  const route = (id: number, outputs: readonly ReplicaOutput[]) => {
    for (const output of outputs) {
      if (output.kind === 'send') queue.push({ from: { kind: 'replica', id }, to: output.to, frame: output.signed.frame });
      if (output.kind === 'broadcast') for (let to = 0; to < n; to++) if (to !== id) queue.push({ from: { kind: 'replica', id }, to: { kind: 'replica', id: to }, frame: output.signed.frame });
    }
  };
  const transport: ClientTransport = {
    send: (to, frame) => queue.push({ from: { kind: 'client', id: 0 }, to: { kind: 'replica', id: to }, frame }),
    onReceive: (handler) => {
      clientHandler = handler;
    },
  };
  const clock: ClientClock = {
    nowMs: () => now,
    every: (intervalMs, tick) => {
      const ticker = { intervalMs, nextMs: now + intervalMs, tick };
      tickers.push(ticker);
      return () => tickers.splice(tickers.indexOf(ticker), 1);
    },
  };
  /** Delivers every queued message, then advances the clock by `ms` with ticks. */
  const settle = (ms = 0) => {
    for (let elapsed = 0; ; elapsed += 10) {
      while (queue.length > 0) {
        const { from, to, frame } = queue.shift()!;
        if (to.kind === 'client') clientHandler(from.id, frame);
        else if (to.id !== options.deafReplica) route(to.id, replicas[to.id]!.step({ kind: 'receive', from, frame, nowMs: now }));
      }
      if (elapsed >= ms) return;
      now += 10;
      for (const ticker of [...tickers]) if (now >= ticker.nextMs) { ticker.nextMs += ticker.intervalMs; ticker.tick(); }
      replicas.forEach((replica, id) => route(id, replica.step({ kind: 'tick', nowMs: now })));
    }
  };
  const core = new Client({ id: 0, n, keyPair: clientPair, crypto, replicaKeys, initialTimeoutMs: 100, maxTimeoutMs: 400 });
  return { client: new PancydbClient(core, transport, clock), replicas, settle };
}

describe('PancydbClient: promises over PBFT', () => {
  it('put, get, cas and remove resolve with the replicated results', async () => {
    const { client, replicas, settle } = cluster();
    const put = client.put('a', 'x');
    settle();
    expect(await put).toEqual({ status: 'ok', actual: '', previousVersion: 0, version: 1 });
    const get = client.get('a');
    settle();
    expect(await get).toEqual({ status: 'ok', value: 'x', version: 1 });
    const cas = client.cas('a', 'wrong', 'y');
    settle();
    expect(await cas).toEqual({ status: 'no_match', actual: 'x', previousVersion: 1, version: 1 });
    const remove = client.remove('a', 1);
    settle();
    expect(await remove).toEqual({ status: 'ok', actual: '', previousVersion: 1, version: 0 });
    expect(replicas.map((replica) => replica.store.nextVersion)).toEqual([3, 3, 3, 3]);
  });

  it('calls made together go out one at a time and resolve in order', async () => {
    const { client, settle } = cluster();
    const results = [client.put('k', '1'), client.put('k', '2'), client.get('k')];
    settle();
    const [first, second, read] = await Promise.all(results);
    expect(first!.version).toBe(1);
    expect(second!.version).toBe(2);
    expect(read).toEqual({ status: 'ok', value: '2', version: 2 });
  });

  it('one backup receives nothing: the other three still answer and the call completes', async () => {
    const { client, settle } = cluster({ deafReplica: 3 });
    const put = client.put('b', 'z');
    settle(500);
    expect((await put).status).toBe('ok');
  });

  it('close() rejects calls that were not answered', async () => {
    const { client } = cluster();
    const pending = client.get('never');
    client.close();
    await expect(pending).rejects.toThrow('client closed');
    await expect(client.get('after')).rejects.toThrow('client closed');
  });
});

describe('PancydbClient: arguments are checked like Pancydb.execute checks them', () => {
  it.each([
    ['get with a number key', (client: PancydbClient) => client.get(7 as unknown as string), TypeError, 'operation.key: expected a string, got 7'],
    ['put without a value', (client: PancydbClient) => client.put('a', undefined as unknown as string), TypeError, 'operation.value: expected a string, got undefined'],
    ['put with versionMatch 1.5', (client: PancydbClient) => client.put('a', 'x', 1.5), TypeError, 'operation.versionMatch: expected a whole number >= -1, got 1.5'],
    ['cas with a null expected', (client: PancydbClient) => client.cas('a', null as unknown as string, 'y'), TypeError, 'operation.expected: expected a string, got null'],
    ['cas with versionMatch -5', (client: PancydbClient) => client.cas('a', 'x', 'y', -5), RangeError, 'operation.versionMatch: expected a whole number >= -1'],
    ['remove with a lone surrogate', (client: PancydbClient) => client.remove('\uD800'), RangeError, 'operation.key: expected well-formed UTF-16'],
  ])('%s: rejects naming the field, and sends nothing', async (_, call, kind, message) => {
    const { client, replicas, settle } = cluster();
    const result = call(client);
    await expect(result).rejects.toThrow(kind);
    await expect(result).rejects.toThrow(message);
    settle();
    expect(replicas.map((replica) => replica.lastExecuted)).toEqual([0, 0, 0, 0]);
    // The client is not stuck: the next call goes out and completes.
    const put = client.put('a', 'x');
    settle();
    expect((await put).status).toBe('ok');
  });
});
