// Read-only requests (OSDI'99 §5.1; src/core/read-only.ts): a get goes to every replica,
// runs at once without ordering, and counts on 2f+1 matching replies; a read that cannot
// get them falls back to an ordered request; while reads take this path, ordered requests
// need 2f+1 matching replies too, or a read can be stale. n=4, f=1.

import { describe, expect, it } from 'vitest';
import { Client, type ClientConfig, type ClientOutput } from '../../src/core/client.ts';
import { requestAuthenticator, sessionKeysOf } from '../../src/core/auth.ts';
import { encodeMacRequest, encodeSigned } from '../../src/core/encoding.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { ReadRequest, Reply } from '../../src/core/messages.ts';
import type { Operation } from '../../src/core/operations.ts';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;
const WRITER = 1;
const READER = 2;
const GET: Operation = { type: 'get', key: 'k' };

function clientOf(pump: Pump, id: number, options: Partial<ClientConfig> = {}, flaws: ProtocolFlaw[] = []): Client {
  return new Client({
    id, n: N, keyPair: pump.clientKeyPairs[id]!, crypto, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey),
    initialTimeoutMs: 100, maxTimeoutMs: 800, readOnly: true, auth: pump.auth, ...options, ...(flaws.length > 0 ? { flaws: new Set(flaws) } : {}),
  });
}

/** Puts a client's outputs on the pump's network; returns its results. */
function route(pump: Pump, outputs: readonly ClientOutput[]): ClientOutput[] {
  for (const output of outputs) {
    if (output.kind === 'send') pump.request(output.signed, output.to);
    if (output.kind === 'broadcast') for (let id = 0; id < pump.n; id++) pump.request(output.signed, id);
  }
  return outputs.filter((output) => output.kind === 'result');
}

/** Hands the client every reply addressed to it that it has not seen, in order. */
function deliverReplies(pump: Pump, client: Client, seen: Set<object>, only?: (from: number, reply: Reply) => boolean): ClientOutput[] {
  const outputs: ClientOutput[] = [];
  for (const bound of pump.toClients) {
    if (bound.to !== client.config.id || seen.has(bound) || (only !== undefined && !only(bound.from, bound.signed.message))) continue;
    seen.add(bound);
    outputs.push(...client.step({ kind: 'receive', from: { kind: 'replica', id: bound.from }, frame: bound.signed.frame, nowMs: pump.nowMs }));
  }
  return outputs;
}

describe.each(['signed', 'mac'] as const)('read-only requests, %s mode, n=4, f=1', (auth) => {
  it('a get is answered by every replica without a PRE-PREPARE and accepted on 2f+1 matching replies', () => {
    const pump = new Pump({ auth, readOnly: true });
    const reader = clientOf(pump, READER);
    const seen = new Set<object>();
    route(pump, reader.step({ kind: 'submit', operation: GET, nowMs: 0 }));
    pump.run();
    expect(pump.broadcastsBy(0, 'pre-prepare')).toEqual([]);
    expect(pump.toClients.map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    const outputs = deliverReplies(pump, reader, seen);
    const result = outputs.find((output) => output.kind === 'result');
    expect(result).toMatchObject({ kind: 'result', result: { status: 'ok', value: '', version: 0 } });
    expect(result?.kind === 'result' && result.replicas).toHaveLength(3);
  });

  it('two matching replies are not enough for a read', () => {
    const pump = new Pump({ auth, readOnly: true });
    const reader = clientOf(pump, READER);
    route(pump, reader.step({ kind: 'submit', operation: GET, nowMs: 0 }));
    pump.run();
    const outputs = deliverReplies(pump, reader, new Set(), (from) => from <= 1);
    expect(outputs.filter((output) => output.kind === 'result')).toEqual([]);
  });

  it('a read that times out falls back to an ordered request under a new t, which then completes', () => {
    const pump = new Pump({ auth, readOnly: true });
    const reader = clientOf(pump, READER);
    const read = reader.step({ kind: 'submit', operation: GET, nowMs: 0 });
    expect(read.map((output) => output.kind)).toEqual(['broadcast']);
    // The read is lost; at the timeout the client orders the get instead.
    const fallback = reader.step({ kind: 'tick', nowMs: 100 });
    expect(fallback).toMatchObject([{ kind: 'send', to: 0 }]);
    const ordered = fallback[0]!.kind === 'send' ? fallback[0]!.signed : undefined;
    expect(ordered?.message.type).toBe('request');
    expect(ordered?.message.timestamp).toBeGreaterThan(read[0]!.kind === 'broadcast' ? read[0]!.signed.message.timestamp : Infinity);
    route(pump, fallback);
    pump.run();
    expect(pump.broadcastsBy(0, 'pre-prepare')).toHaveLength(1);
    const outputs = deliverReplies(pump, reader, new Set());
    expect(outputs.filter((output) => output.kind === 'result')).toHaveLength(1);
  });

  it('replies that disagree so that no result can reach 2f+1 send the read down the ordered path at once', () => {
    const pump = new Pump({ auth, readOnly: true });
    const reader = clientOf(pump, READER);
    const [read] = reader.step({ kind: 'submit', operation: GET, nowMs: 0 });
    const timestamp = read!.kind === 'broadcast' ? read!.signed.message.timestamp : -1;
    const answer = (replica: number, value: string) =>
      reader.step({ kind: 'receive', from: { kind: 'replica', id: replica }, frame: pump.replyFrom(replica, { type: 'reply', view: 0, timestamp, client: READER, replica, result: { status: 'ok', value, version: 1 } }).frame, nowMs: 1 });
    // 'a' and 'b' from two replicas: 'a' could still reach 2f+1 = 3 with the two missing.
    expect([...answer(0, 'a'), ...answer(1, 'b')]).toEqual([]);
    // A third value: no result can reach 3 any more.
    const outputs = answer(2, 'c');
    expect(outputs).toMatchObject([{ kind: 'send', to: 0 }]);
    expect(outputs[0]!.kind === 'send' && outputs[0]!.signed.message).toMatchObject({ type: 'request', operation: GET });
  });

  it('replicas refuse a read-only request for a write, and clusters without the option refuse reads', () => {
    const pump = new Pump({ auth, readOnly: true });
    const writer = clientOf(pump, WRITER, { readOnly: true });
    // A correct client never sends a write down the read path; a faulty one can.
    const put = writer.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 });
    expect(put.map((output) => output.kind)).toEqual(['send']);
    const keyPair = pump.clientKeyPairs[WRITER]!;
    const sign = (bytes: Uint8Array) => crypto.sign(keyPair, bytes);
    const keys = sessionKeysOf({ kind: 'client', id: WRITER }, { crypto, keyPair, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey), clientKey: () => undefined });
    const writeAsRead: ReadRequest = { type: 'read', operation: { type: 'put', key: 'k', value: 'v' }, timestamp: 5, client: WRITER };
    pump.request(auth === 'signed' ? encodeSigned(writeAsRead, sign) : encodeMacRequest(writeAsRead, sign, (bytes) => requestAuthenticator(keys, N, bytes)), 1);
    pump.run();
    expect(pump.dropsAt(1).map(({ reason }) => reason)).toEqual(['not-read-only']);
    const off = new Pump({ auth });
    const reader = clientOf(off, READER);
    route(off, reader.step({ kind: 'submit', operation: GET, nowMs: 0 }));
    off.run();
    expect(off.drops.map(({ reason }) => reason)).toEqual(['unexpected-type', 'unexpected-type', 'unexpected-type', 'unexpected-type']);
  });

  it('while reads take their path, an ordered request needs 2f+1 matching replies', () => {
    const pump = new Pump({ auth, readOnly: true });
    const writer = clientOf(pump, WRITER);
    route(pump, writer.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 }));
    pump.run();
    expect(deliverReplies(pump, writer, new Set(), (from) => from <= 1).filter((output) => output.kind === 'result')).toEqual([]);
    expect(deliverReplies(pump, writer, new Set(), (from) => from === 2).filter((output) => output.kind === 'result')).toHaveLength(1);
  });
});

describe('read-only requests: why writes need 2f+1 (n=4, f=1, signed mode)', () => {
  /**
   * Replicas 2 and 3 lag: COMMITs to them are held, so only 0 and 1 execute the put. Replica 1
   * is faulty: it executed the put but answers the read with the old value. Returns what
   * the reader saw, or undefined if the writer never got its result.
   */
  function staleReadAttempt(flaws: ProtocolFlaw[]): unknown {
    const pump = new Pump({ readOnly: true });
    const writer = clientOf(pump, WRITER, {}, flaws);
    const reader = clientOf(pump, READER, {}, flaws);
    pump.fate = (envelope) => (envelope.signed.message.type === 'commit' && envelope.to >= 2 ? 'hold' : 'deliver');
    route(pump, writer.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'new' }, nowMs: 0 }));
    pump.run();
    const written = deliverReplies(pump, writer, new Set()).find((output) => output.kind === 'result');
    if (written === undefined) return undefined;
    route(pump, reader.step({ kind: 'submit', operation: GET, nowMs: 1 }));
    pump.run();
    const seen = new Set<object>();
    const honest = deliverReplies(pump, reader, seen, (from) => from !== 1);
    const liar = pump.toClients.find(({ to, from }) => to === READER && from === 1)!;
    const stale = pump.sign<Reply>({ ...liar.signed.message, result: { status: 'ok', value: '', version: 0 } }, 1);
    const outputs = [...honest, ...reader.step({ kind: 'receive', from: { kind: 'replica', id: 1 }, frame: stale.frame, nowMs: 1 })];
    const read = outputs.find((output) => output.kind === 'result');
    return read?.kind === 'result' ? read.result : 'no result';
  }

  it('with writes accepted on f+1 (broken), one faulty and two lagging replicas make a completed put invisible to a later get', () => {
    expect(staleReadAttempt(['write-on-f-plus-1-with-reads'])).toEqual({ status: 'ok', value: '', version: 0 });
  });

  it('with writes on 2f+1 (the rule), the put does not complete while only two replicas executed it', () => {
    expect(staleReadAttempt([])).toBeUndefined();
  });
});
