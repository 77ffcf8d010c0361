// Tentative execution (OSDI'99 §5.1; src/core/tentative.ts): a replica answers a batch once
// it prepared (and everything before it executed), computing results on an overlay; the
// real execution at commit sends no second reply; the client needs 2f+1 matching replies,
// tentative or not; reads wait while a tentative batch is uncommitted. n=4, f=1.

import { describe, expect, it } from 'vitest';
import { Client, type ClientConfig, type ClientOutput } from '../../src/core/client.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { Reply } from '../../src/core/messages.ts';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;
const CLIENT = 2;
const READER = 3;

function clientOf(pump: Pump, id = CLIENT, options: Partial<ClientConfig> = {}, flaws: ProtocolFlaw[] = []): Client {
  return new Client({
    id, n: N, keyPair: pump.clientKeyPairs[id]!, crypto, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey),
    initialTimeoutMs: 100, maxTimeoutMs: 800, auth: pump.auth, tentativeExecution: true, ...options, ...(flaws.length > 0 ? { flaws: new Set(flaws) } : {}),
  });
}

function route(pump: Pump, outputs: readonly ClientOutput[]): void {
  for (const output of outputs) {
    if (output.kind === 'send') pump.request(output.signed, output.to);
    if (output.kind === 'broadcast') for (let id = 0; id < pump.n; id++) pump.request(output.signed, id);
  }
}

const feed = (client: Client, from: number, frame: Uint8Array) => client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame, nowMs: 1 });

describe.each(['signed', 'mac'] as const)('tentative execution, %s mode, n=4, f=1', (auth) => {
  it('replicas answer once the batch prepared, before any COMMIT arrives, without touching their state; 2f+1 such replies are a result', () => {
    const pump = new Pump({ auth, tentative: true });
    pump.fate = (envelope) => (envelope.signed.message.type === 'commit' ? 'hold' : 'deliver');
    const client = clientOf(pump);
    route(pump, client.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 }));
    pump.run();
    const replies = pump.repliesFor(CLIENT, 1);
    expect(replies.map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    expect(replies.every(({ signed }) => signed.message.tentative === true)).toBe(true);
    expect(pump.replicas.map((replica) => [replica.lastExecuted, replica.store.nextVersion])).toEqual(Array(N).fill([0, 1]));
    const outputs = replies.slice(0, 3).flatMap(({ from, signed }) => feed(client, from, signed.frame));
    expect(outputs.filter((output) => output.kind === 'result')).toMatchObject([{ result: { status: 'ok', version: 1 } }]);
  });

  it('at commit the batch executes for real and nobody replies a second time', () => {
    const pump = new Pump({ auth, tentative: true });
    pump.fate = (envelope) => (envelope.signed.message.type === 'commit' ? 'hold' : 'deliver');
    const client = clientOf(pump);
    route(pump, client.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 }));
    pump.run();
    pump.fate = () => 'deliver';
    pump.release();
    pump.run();
    expect(pump.replicas.map((replica) => [replica.lastExecuted, replica.store.nextVersion])).toEqual(Array(N).fill([1, 2]));
    expect(pump.repliesFor(CLIENT, 1)).toHaveLength(N);
  });

  it('f+1 matching tentative replies are not a result (they are under the broken variant)', () => {
    const pump = new Pump({ auth, tentative: true });
    pump.fate = (envelope) => (envelope.signed.message.type === 'commit' ? 'hold' : 'deliver');
    const correct = clientOf(pump);
    const broken = clientOf(pump, CLIENT, {}, ['tentative-on-f-plus-1']);
    const [request] = correct.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 });
    broken.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 });
    route(pump, [request!]);
    pump.run();
    const two = pump.repliesFor(CLIENT, 1).slice(0, 2);
    expect(two.flatMap(({ from, signed }) => feed(correct, from, signed.frame)).filter((output) => output.kind === 'result')).toEqual([]);
    expect(two.flatMap(({ from, signed }) => feed(broken, from, signed.frame)).filter((output) => output.kind === 'result')).toHaveLength(1);
  });

  it('with read-only requests, a read waits while a tentatively answered batch is uncommitted, then sees it', () => {
    const pump = new Pump({ auth, tentative: true, readOnly: true });
    pump.fate = (envelope) => (envelope.signed.message.type === 'commit' ? 'hold' : 'deliver');
    const writer = clientOf(pump, CLIENT, { readOnly: true });
    route(pump, writer.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'new' }, nowMs: 0 }));
    pump.run();
    const written = pump.repliesFor(CLIENT, 1).slice(0, 3).flatMap(({ from, signed }) => feed(writer, from, signed.frame));
    expect(written.filter((output) => output.kind === 'result')).toHaveLength(1);
    const reader = clientOf(pump, READER, { readOnly: true });
    route(pump, reader.step({ kind: 'submit', operation: { type: 'get', key: 'k' }, nowMs: 1 }));
    pump.run();
    expect(pump.toClients.filter(({ to }) => to === READER)).toEqual([]);
    pump.fate = () => 'deliver';
    pump.release();
    pump.run();
    const reads = pump.toClients.filter(({ to }) => to === READER);
    expect(reads.map(({ signed }) => (signed.message as Reply).result)).toEqual(Array(N).fill({ status: 'ok', value: 'new', version: 1 }));
  });
});
