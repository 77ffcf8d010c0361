// Digest replies (OSDI'99 §5.1; src/core/digest-replies.ts): one designated replica, (c + t)
// mod n, sends the result, the others its SHA-256. The client needs the result from someone
// and as many matching replies as usual; a faulty designee costs a retransmission, and a
// retransmitted request is answered in full. n=4, f=1.

import { describe, expect, it } from 'vitest';
import { Client, type ClientOutput } from '../../src/core/client.ts';
import { designatedReplier } from '../../src/core/digest-replies.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { Reply, ReplyDigest, Signed } from '../../src/core/messages.ts';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;
const CLIENT = 2;

function clientOf(pump: Pump, flaws: ProtocolFlaw[] = []): Client {
  return new Client({
    id: CLIENT, n: N, keyPair: pump.clientKeyPairs[CLIENT]!, crypto, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey),
    initialTimeoutMs: 100, maxTimeoutMs: 800, auth: pump.auth, digestReplies: true, ...(flaws.length > 0 ? { flaws: new Set(flaws) } : {}),
  });
}

function route(pump: Pump, outputs: readonly ClientOutput[]): void {
  for (const output of outputs) {
    if (output.kind === 'send') pump.request(output.signed, output.to);
    if (output.kind === 'broadcast') for (let id = 0; id < pump.n; id++) pump.request(output.signed, id);
  }
}

function feed(client: Client, from: number, frame: Uint8Array, nowMs = 1): ClientOutput[] {
  return client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame, nowMs });
}

describe.each(['signed', 'mac'] as const)('digest replies, %s mode, n=4, f=1', (auth) => {
  it('the designee sends the result, the three others its digest, and the client accepts', () => {
    const pump = new Pump({ auth, digestReplies: true });
    const client = clientOf(pump);
    route(pump, client.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 }));
    pump.run();
    const replies = pump.toClients.filter(({ to }) => to === CLIENT);
    const designee = designatedReplier(CLIENT, 1, N);
    expect(replies.filter(({ signed }) => signed.message.type === 'reply').map(({ from }) => from)).toEqual([designee]);
    expect(replies.filter(({ signed }) => (signed.message as { type: string }).type === 'reply-digest')).toHaveLength(3);
    const outputs = replies.flatMap(({ from, signed }) => feed(client, from, signed.frame));
    expect(outputs.filter((output) => output.kind === 'result')).toMatchObject([{ result: { status: 'ok', version: 1 } }]);
  });

  it('digests alone are not a result: without the designee the client retransmits, and is answered in full', () => {
    const pump = new Pump({ auth, digestReplies: true });
    const client = clientOf(pump);
    route(pump, client.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 }));
    pump.run();
    const designee = designatedReplier(CLIENT, 1, N);
    const digests = pump.toClients.filter(({ to, from }) => to === CLIENT && from !== designee);
    expect(digests.flatMap(({ from, signed }) => feed(client, from, signed.frame)).filter((output) => output.kind === 'result')).toEqual([]);
    pump.toClients.length = 0;
    pump.nowMs = 200;
    route(pump, client.step({ kind: 'tick', nowMs: 200 }));
    pump.run();
    const resent = pump.toClients.filter(({ to, from }) => to === CLIENT && from !== designee);
    expect(resent.map(({ signed }) => signed.message.type)).toEqual(['reply', 'reply', 'reply']);
    const outputs = resent.flatMap(({ from, signed }) => feed(client, from, signed.frame, 201));
    expect(outputs.filter((output) => output.kind === 'result')).toHaveLength(1);
  });
});

describe('digest replies: the client must compare digests (signed mode)', () => {
  /** A faulty designee answers with a forged result; the two correct replicas' digests disagree with it. */
  function forgedResultAccepted(flaws: ProtocolFlaw[]): boolean {
    const pump = new Pump({ digestReplies: true });
    const client = clientOf(pump, flaws);
    route(pump, client.step({ kind: 'submit', operation: { type: 'get', key: 'k' }, nowMs: 0 }));
    pump.run();
    const designee = designatedReplier(CLIENT, 1, N);
    const honest = pump.toClients.filter(({ to, from }) => to === CLIENT && from !== designee).slice(0, 1);
    const forged = pump.replyFrom(designee, { type: 'reply', view: 0, timestamp: 1, client: CLIENT, replica: designee, result: { status: 'ok', value: 'forged', version: 42 } }).frame;
    const outputs = [...feed(client, designee, forged), ...honest.flatMap(({ from, signed }) => feed(client, from, (signed as Signed<Reply | ReplyDigest>).frame))];
    return outputs.some((output) => output.kind === 'result' && output.result.version === 42);
  }

  it('broken (digest-not-compared): a faulty designee and one correct digest make a forged result', () => {
    expect(forgedResultAccepted(['digest-not-compared'])).toBe(true);
  });

  it('as specified: the forged result finds no matching digest and is not accepted', () => {
    expect(forgedResultAccepted([])).toBe(false);
  });
});
