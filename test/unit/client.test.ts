// The PBFT client (src/core/client.ts) as a pure state machine, n=4, f=1, with real
// Ed25519 signatures on its requests and on the replies it is fed (OSDI'99 §4.1): it
// sends to the primary of its view, accepts a result only on f+1 validly signed,
// matching REPLYs from distinct replicas, retransmits to all replicas with bounded
// exponential backoff, and adopts a view only when f+1 replies report it.

import { describe, expect, it } from 'vitest';
import { Client, type ClientOutput } from '../../src/core/client.ts';
import { decodeMessage, encodeSigned } from '../../src/core/encoding.ts';
import type { Peer } from '../../src/core/gateway.ts';
import type { Reply } from '../../src/core/messages.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';

const crypto = createCrypto('native');
const SEED = 'client-unit';
const N = 4;
const CLIENT_ID = 7;
const INITIAL_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 400;
const replicaKeyPairs = Array.from({ length: N }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'replica', id)));
const replicaKeys = replicaKeyPairs.map((pair) => pair.publicKey);
const clientKeyPair = crypto.keyPair(deriveSecretKey(SEED, 'client', CLIENT_ID));

const PUT: Operation = { type: 'put', key: 'k', value: 'v' };
const RESULT: OperationResult = { status: 'ok', actual: '', previousVersion: 0, version: 1 };
const OTHER_RESULT: OperationResult = { status: 'no_match', actual: 'w', previousVersion: 3, version: 3 };

function newClient(): Client {
  return new Client({ id: CLIENT_ID, n: N, keyPair: clientKeyPair, crypto, replicaKeys, initialTimeoutMs: INITIAL_TIMEOUT_MS, maxTimeoutMs: MAX_TIMEOUT_MS });
}

const replicaPeer = (id: number): Peer => ({ kind: 'replica', id });

interface ReplyOptions {
  readonly timestamp?: number;
  readonly result?: OperationResult;
  readonly view?: number;
  readonly client?: number;
}

/** A REPLY signed by `replica` with its own key. */
function reply(replica: number, options: ReplyOptions = {}): Uint8Array {
  const message: Reply = {
    type: 'reply',
    view: options.view ?? 0,
    timestamp: options.timestamp ?? 1,
    client: options.client ?? CLIENT_ID,
    replica,
    result: options.result ?? RESULT,
  };
  return encodeSigned(message, (bytes) => crypto.sign(replicaKeyPairs[replica]!, bytes)).frame;
}

/** The same REPLY with one bit of its signature flipped. */
function forgedReply(replica: number, options: ReplyOptions = {}): Uint8Array {
  const frame = reply(replica, options);
  const last = frame.length - 1; // REPLY frames end with the signature
  frame[last] = frame[last]! ^ 0x01;
  return frame;
}

function receive(client: Client, from: number, frame: Uint8Array, nowMs = 10): ClientOutput[] {
  return client.step({ kind: 'receive', from: replicaPeer(from), frame, nowMs });
}

const results = (outputs: readonly ClientOutput[]) => outputs.filter((output) => output.kind === 'result');
const drops = (outputs: readonly ClientOutput[]) => outputs.flatMap((output) => (output.kind === 'drop' ? [output.reason] : []));

function submitted(client: Client, operation: Operation = PUT, nowMs = 0): ClientOutput[] {
  return client.step({ kind: 'submit', operation, nowMs });
}

describe('client: submit', () => {
  it('sends a REQUEST signed by the client to the primary of its view, with t = 1', () => {
    const client = newClient();
    const outputs = submitted(client);
    expect(outputs).toHaveLength(1);
    const [output] = outputs;
    expect(output?.kind).toBe('send');
    if (output?.kind !== 'send') return;
    expect(output.to).toBe(0);
    expect(output.signed.message).toEqual({ type: 'request', operation: PUT, timestamp: 1, client: CLIENT_ID });
    expect(crypto.verify(clientKeyPair.publicKey, output.signed.signedBytes, output.signed.signature)).toBe(true);
    expect(decodeMessage(output.signed.frame).message).toEqual(output.signed.message);
    expect(client.busy).toBe(true);
  });

  it('numbers successive requests t = 1, 2, 3', () => {
    const client = newClient();
    const timestamps: number[] = [];
    for (let t = 1; t <= 3; t++) {
      const [output] = submitted(client);
      if (output?.kind === 'send') timestamps.push(output.signed.message.timestamp);
      receive(client, 0, reply(0, { timestamp: t }));
      receive(client, 1, reply(1, { timestamp: t }));
    }
    expect(timestamps).toEqual([1, 2, 3]);
  });

  it('refuses a second outstanding request', () => {
    const client = newClient();
    submitted(client);
    expect(() => submitted(client)).toThrow(/outstanding/);
  });
});

describe('client: accepting a result needs f+1 = 2 matching, validly signed replies', () => {
  it('one reply is not enough', () => {
    const client = newClient();
    submitted(client);
    expect(results(receive(client, 1, reply(1)))).toEqual([]);
    expect(client.busy).toBe(true);
  });

  it('two matching replies from distinct replicas are', () => {
    const client = newClient();
    submitted(client, PUT, 5);
    receive(client, 1, reply(1));
    expect(results(receive(client, 3, reply(3)))).toEqual([
      { kind: 'result', timestamp: 1, operation: PUT, result: RESULT, submittedAtMs: 5, replicas: [1, 3] },
    ]);
    expect(client.busy).toBe(false);
  });

  it('the same replica replying twice counts once', () => {
    const client = newClient();
    submitted(client);
    receive(client, 2, reply(2));
    expect(results(receive(client, 2, reply(2)))).toEqual([]);
    expect(client.busy).toBe(true);
  });

  it('two replies with different results are not; a third matching one of them is', () => {
    const client = newClient();
    submitted(client);
    receive(client, 0, reply(0));
    expect(results(receive(client, 1, reply(1, { result: OTHER_RESULT })))).toEqual([]);
    const accepted = results(receive(client, 2, reply(2, { result: OTHER_RESULT })));
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ result: OTHER_RESULT, replicas: [1, 2] });
  });

  it('a reply with a broken signature does not count, and a later genuine reply from that replica then does', () => {
    const client = newClient();
    submitted(client);
    receive(client, 1, forgedReply(1));
    const second = receive(client, 2, reply(2));
    expect(results(second)).toEqual([]);
    expect(drops(second)).toEqual(['bad-signature']);
    const third = receive(client, 1, reply(1));
    expect(results(third)).toHaveLength(1);
    expect(results(third)[0]).toMatchObject({ result: RESULT, replicas: [2, 1] });
  });

  it('a forged reply that arrives first does not shadow the genuine reply of the replica it names', () => {
    const client = newClient();
    submitted(client);
    // The forgery carries another result, so it sits alone in its group and is never checked there.
    expect(results(receive(client, 1, forgedReply(1, { result: OTHER_RESULT })))).toEqual([]);
    const genuine = receive(client, 1, reply(1));
    expect(drops(genuine)).toEqual(['bad-signature']);
    const accepted = receive(client, 2, reply(2));
    expect(results(accepted)).toHaveLength(1);
    expect(results(accepted)[0]).toMatchObject({ result: RESULT, replicas: [1, 2] });
  });

  it('two replies with broken signatures are not enough', () => {
    const client = newClient();
    submitted(client);
    receive(client, 1, forgedReply(1));
    const outputs = receive(client, 2, forgedReply(2));
    expect(results(outputs)).toEqual([]);
    expect(drops(outputs)).toEqual(['bad-signature', 'bad-signature']);
    expect(client.busy).toBe(true);
  });

  it('a reply from peer 2 claiming to be replica 1 is dropped as sender-not-signer and does not count', () => {
    const client = newClient();
    submitted(client);
    expect(drops(receive(client, 2, reply(1)))).toEqual(['sender-not-signer']);
    expect(results(receive(client, 3, reply(3)))).toEqual([]);
    expect(results(receive(client, 1, reply(1)))).toHaveLength(1);
  });

  it('a reply naming a replica id >= n is dropped as sender-not-signer', () => {
    const client = newClient();
    submitted(client);
    const stranger = crypto.keyPair(deriveSecretKey(SEED, 'replica', N));
    const message: Reply = { type: 'reply', view: 0, timestamp: 1, client: CLIENT_ID, replica: N, result: RESULT };
    const frame = encodeSigned(message, (bytes) => crypto.sign(stranger, bytes)).frame;
    expect(drops(receive(client, N, frame))).toEqual(['sender-not-signer']);
  });

  it('replies for another t, or another client, are stale and do not count', () => {
    const client = newClient();
    submitted(client);
    expect(drops(receive(client, 0, reply(0, { timestamp: 2 })))).toEqual(['stale-reply']);
    expect(drops(receive(client, 1, reply(1, { timestamp: 5 })))).toEqual(['stale-reply']);
    expect(drops(receive(client, 2, reply(2, { client: CLIENT_ID + 1 })))).toEqual(['stale-reply']);
    expect(results(receive(client, 3, reply(3)))).toEqual([]);
    expect(client.busy).toBe(true);
  });

  it('late replies for the t just accepted are expected: ignored quietly, no second result', () => {
    const client = newClient();
    submitted(client);
    receive(client, 0, reply(0));
    receive(client, 1, reply(1));
    expect(receive(client, 2, reply(2))).toEqual([]);
    expect(receive(client, 3, reply(3, { result: OTHER_RESULT }))).toEqual([]);
  });

  it('replies for an older t than the last accepted are stale', () => {
    const client = newClient();
    for (let t = 1; t <= 2; t++) {
      submitted(client);
      receive(client, 0, reply(0, { timestamp: t }));
      receive(client, 1, reply(1, { timestamp: t }));
    }
    expect(drops(receive(client, 2, reply(2, { timestamp: 1 })))).toEqual(['stale-reply']);
  });

  it('garbage is malformed and a REQUEST is not-a-reply', () => {
    const client = newClient();
    submitted(client);
    expect(drops(receive(client, 0, Uint8Array.of(6, 0)))).toEqual(['malformed']);
    const request = encodeSigned({ type: 'request', operation: PUT, timestamp: 1, client: CLIENT_ID }, (bytes) => crypto.sign(clientKeyPair, bytes));
    expect(drops(receive(client, 0, request.frame))).toEqual(['not-a-reply']);
  });
});

describe('client: retransmission with bounded exponential backoff', () => {
  it('on tick past the timeout it broadcasts the same request; the timeout doubles and is capped at maxTimeoutMs', () => {
    const client = newClient();
    const [sent] = submitted(client, PUT, 0);
    const retransmitsAtMs: number[] = [];
    for (let nowMs = 0; nowMs <= 2000; nowMs += 10) {
      for (const output of client.step({ kind: 'tick', nowMs })) {
        expect(output.kind).toBe('broadcast');
        if (output.kind === 'broadcast' && sent?.kind === 'send') expect(output.signed.frame).toEqual(sent.signed.frame);
        retransmitsAtMs.push(nowMs);
      }
    }
    // Waits of 100, then 200, then 400 (capped) from each retransmission.
    expect(retransmitsAtMs).toEqual([100, 300, 700, 1100, 1500, 1900]);
  });

  it('no retransmission before the timeout, and none once the result is in', () => {
    const client = newClient();
    submitted(client, PUT, 0);
    expect(client.step({ kind: 'tick', nowMs: INITIAL_TIMEOUT_MS - 1 })).toEqual([]);
    receive(client, 0, reply(0));
    receive(client, 1, reply(1));
    expect(client.step({ kind: 'tick', nowMs: 10 * MAX_TIMEOUT_MS })).toEqual([]);
  });

  it('a new request starts again from initialTimeoutMs', () => {
    const client = newClient();
    submitted(client, PUT, 0);
    client.step({ kind: 'tick', nowMs: 100 });
    client.step({ kind: 'tick', nowMs: 300 });
    receive(client, 0, reply(0));
    receive(client, 1, reply(1));
    submitted(client, PUT, 1000);
    expect(client.step({ kind: 'tick', nowMs: 1099 })).toEqual([]);
    expect(client.step({ kind: 'tick', nowMs: 1100 })).toHaveLength(1);
  });
});

describe('client: view adoption needs f+1 replies reporting the view', () => {
  it('one reply saying view 5 does not change client.view; the next request still goes to primary 0', () => {
    const client = newClient();
    submitted(client);
    receive(client, 1, reply(1, { view: 5 }));
    expect(results(receive(client, 2, reply(2, { view: 0 })))).toHaveLength(1);
    expect(client.view).toBe(0);
    const [next] = submitted(client);
    expect(next).toMatchObject({ kind: 'send', to: 0 });
  });

  it('two replies saying view 5 move the client to view 5, and the next request goes to primary 5 mod 4 = 1', () => {
    const client = newClient();
    submitted(client);
    receive(client, 2, reply(2, { view: 5 }));
    receive(client, 3, reply(3, { view: 5 }));
    expect(client.view).toBe(5);
    const [next] = submitted(client);
    expect(next).toMatchObject({ kind: 'send', to: 1 });
  });

  it('a view reported in a forged reply is not adopted', () => {
    const client = newClient();
    submitted(client);
    receive(client, 1, forgedReply(1, { view: 5 }));
    receive(client, 2, reply(2, { view: 5 }));
    receive(client, 3, reply(3, { view: 0 }));
    expect(client.view).toBe(0);
  });
});
