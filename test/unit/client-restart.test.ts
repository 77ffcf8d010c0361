// A client restarted with the same key must never reuse a timestamp (OSDI'99 §4.1: t comes
// from the client's clock). A replica answers a request whose t equals the client's last
// executed t with the cached reply of *that* request, so a counter restarted at 1 gets
// another operation's result. These tests run a real client core against real replicas.
import { describe, expect, it } from 'vitest';
import { Client, nextTimestamp, REPLY_FRAME_MAX_BYTES, type ClientConfig, type ClientOutput } from '../../src/core/client.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';
import { crypto, Pump } from '../support/pump.ts';

/** Runs one operation of `client` to completion against the pump's replicas at `nowMs`. */
function perform(pump: Pump, client: Client, operation: Operation, nowMs: number): { timestamp: number; result: OperationResult } {
  pump.advance(nowMs, 10);
  const route = (outputs: readonly ClientOutput[]) => {
    for (const output of outputs) {
      if (output.kind === 'send') pump.request(output.signed, output.to);
      if (output.kind === 'broadcast') for (let id = 0; id < pump.n; id++) pump.request(output.signed, id);
    }
  };
  route(client.step({ kind: 'submit', operation, nowMs }));
  pump.run();
  const seen = pump.toClients.length;
  for (let step = 0; step < 50; step++) {
    for (const { from, signed } of pump.toClients.splice(0)) {
      for (const output of client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame: signed.frame, nowMs: pump.nowMs })) {
        if (output.kind === 'result') return { timestamp: output.timestamp, result: output.result };
      }
    }
    pump.advance(pump.nowMs + 50, 10);
    route(client.step({ kind: 'tick', nowMs: pump.nowMs }));
    pump.run();
  }
  throw new Error(`no result (${seen} replies seen)`);
}

function clientConfig(pump: Pump, timestamps: 'counter' | 'clock'): ClientConfig {
  const replicaKeys = pump.replicaKeyPairs.map((pair) => pair.publicKey);
  return { id: 0, n: pump.n, keyPair: pump.clientKeyPairs[0]!, crypto, replicaKeys, initialTimeoutMs: 200, maxTimeoutMs: 800, timestamps };
}

describe('client timestamps across a client restart (OSDI\'99 §4.1)', () => {
  it("'clock': t is the submit time in µs, or one more than the last t", () => {
    expect(nextTimestamp('clock', 0, 12.5)).toBe(12_500);
    expect(nextTimestamp('clock', 12_500, 12.5)).toBe(12_501);
    expect(nextTimestamp('counter', 41, 1e9)).toBe(42);
  });

  it("'counter' (control): a restarted client's first GET is answered with the cached result of its earlier PUT", () => {
    const pump = new Pump();
    const before = perform(pump, new Client(clientConfig(pump, 'counter')), { type: 'put', key: 'a', value: 'x' }, 100);
    const after = perform(pump, new Client(clientConfig(pump, 'counter')), { type: 'get', key: 'b' }, 2_000);
    expect(after.timestamp).toBe(before.timestamp);
    expect(after.result).toEqual(before.result); // a PUT's result handed to a GET: the bug
  });

  it("'clock': the restarted client's GET gets a new t and its own result", () => {
    const pump = new Pump();
    const before = perform(pump, new Client(clientConfig(pump, 'clock')), { type: 'put', key: 'a', value: 'x' }, 100);
    const after = perform(pump, new Client(clientConfig(pump, 'clock')), { type: 'get', key: 'b' }, 2_000);
    expect(after.timestamp).toBeGreaterThan(before.timestamp);
    expect(after.result).toEqual({ status: 'ok', version: 0, value: '' }); // key b was never written
    expect(after.result).not.toEqual(before.result);
  });
});

describe('client: a frame too large to be a REPLY is not decoded', () => {
  it('one byte over REPLY_FRAME_MAX_BYTES is dropped as frame-too-large; at the cap it is only malformed', () => {
    const pump = new Pump();
    const client = new Client(clientConfig(pump, 'clock'));
    const over = client.step({ kind: 'receive', from: { kind: 'replica', id: 0 }, frame: new Uint8Array(REPLY_FRAME_MAX_BYTES + 1), nowMs: 0 });
    expect(over).toEqual([expect.objectContaining({ kind: 'drop', reason: 'frame-too-large' })]);
    const at = client.step({ kind: 'receive', from: { kind: 'replica', id: 0 }, frame: new Uint8Array(REPLY_FRAME_MAX_BYTES), nowMs: 0 });
    expect(at).toEqual([expect.objectContaining({ kind: 'drop', reason: 'malformed' })]);
  });
});
