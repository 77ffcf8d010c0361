// 'mac' mode (src/core/auth.ts): requests carry a client signature and one MAC per
// replica, replies one MAC for their client, everything else stays signed. These tests
// pin the rules that keep a faulty client from splitting correct replicas or voting a
// correct primary out: the primary judges a request by its signature; a backup takes a
// request in a PRE-PREPARE on its own MAC, or else on the signature; a request taken on
// its MAC alone is forgotten at a view change if its signature is bad.
//
// Cluster: n=4, f=1, view 0 (primary 0), real Ed25519 and HMAC keys (test/support/pump.ts).

import { describe, expect, it } from 'vitest';
import { Client, type ClientOutput } from '../../src/core/client.ts';
import { decodeMessage, encodeBatch, encodeMacReply } from '../../src/core/encoding.ts';
import { sessionKeysOf } from '../../src/core/auth.ts';
import type { PrePrepare, ReadRequest, Reply, Request, Signed, SignedRequest } from '../../src/core/messages.ts';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;
const CLIENT = 2;

function prePrepareOf(pump: Pump, seq: number, batch: readonly SignedRequest[], view = 0): Signed<PrePrepare> {
  return pump.sign({ type: 'pre-prepare', view, seq, digest: crypto.sha256(encodeBatch(batch)), replica: view % N, batch });
}

function macClient(pump: Pump, id = CLIENT): Client {
  return new Client({
    id, n: N, keyPair: pump.clientKeyPairs[id]!, crypto, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey),
    initialTimeoutMs: 100, maxTimeoutMs: 800, auth: 'mac',
  });
}

function submitted(client: Client): Signed<Request | ReadRequest> {
  const outputs = client.step({ kind: 'submit', operation: { type: 'put', key: 'k', value: 'v' }, nowMs: 0 });
  const send = outputs.find((output): output is Extract<ClientOutput, { kind: 'send' }> => output.kind === 'send');
  if (send === undefined) throw new Error('client sent nothing');
  return send.signed;
}

/** A mac-mode cluster and client, one request ordered: the client, and every replica's reply. */
function oneRequest(): { client: Client; replies: ReturnType<Pump['repliesFor']> } {
  const pump = new Pump({ auth: 'mac' });
  const client = macClient(pump);
  const request = submitted(client);
  pump.request(request, 0);
  pump.run();
  return { client, replies: pump.repliesFor(CLIENT, request.message.timestamp) };
}

describe('MAC-form frames (encoding.ts)', () => {
  it('a REQUEST with signature and authenticator, and a REPLY with one MAC, decode to exactly what was encoded', () => {
    const pump = new Pump({ auth: 'mac' });
    const request = pump.signRequest(CLIENT, 1);
    const decoded = decodeMessage(request.frame);
    expect(decoded.message).toEqual(request.message);
    expect(decoded.signature).toEqual(request.signature);
    expect(decoded.authenticator).toEqual(request.authenticator);
    expect(decoded.authenticator).toHaveLength(N * 16);

    const keys = sessionKeysOf({ kind: 'replica', id: 1 }, { crypto, keyPair: pump.replicaKeyPairs[1]!, replicaKeys: [], clientKey: (id) => pump.clientKeyPairs[id]?.publicKey });
    const reply = encodeMacReply({ type: 'reply', view: 0, timestamp: 1, client: CLIENT, replica: 1, result: { status: 'ok', version: 1 } }, (bytes) => keys.tag({ kind: 'client', id: CLIENT }, bytes));
    const decodedReply = decodeMessage(reply.frame);
    expect(decodedReply.message).toEqual(reply.message);
    expect(decodedReply.signature).toHaveLength(0);
    expect(decodedReply.authenticator).toHaveLength(16);
  });

  it('refuses a MAC form with a trailing byte, an empty authenticator, or on a type that has none', () => {
    const pump = new Pump({ auth: 'mac' });
    const request = pump.signRequest(CLIENT, 1);
    expect(() => decodeMessage(new Uint8Array([...request.frame, 0]))).toThrow();
    const empty = request.frame.slice(0, request.signedBytes.length + 64 + 1);
    empty[empty.length - 1] = 0;
    expect(() => decodeMessage(empty)).toThrow(/empty authenticator/);
    const prepare = pump.sign({ type: 'prepare', view: 0, seq: 1, digest: new Uint8Array(32), replica: 1 });
    const marked = prepare.frame.slice();
    marked[0]! |= 0x80;
    expect(() => decodeMessage(marked)).toThrow(/no MAC form/);
  });
});

describe("mac mode, n=4, f=1: who checks what", () => {
  it('orders and executes requests; every reply carries one MAC and no signature, and a mac-mode client accepts them', () => {
    const { client, replies } = oneRequest();
    expect(replies.map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    for (const { signed } of replies) {
      expect(signed.signature).toHaveLength(0);
      expect(signed.authenticator).toHaveLength(16);
    }
    const results = replies.flatMap(({ from, signed }) => client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame: signed.frame, nowMs: 1 }));
    expect(results.filter((output) => output.kind === 'result')).toHaveLength(1);
  });

  it('the primary judges a request by its signature: right MACs do not let a bad signature through', () => {
    const pump = new Pump({ auth: 'mac' });
    pump.request(pump.signRequest(CLIENT, 1, undefined, { badSignature: true }), 0);
    pump.run();
    expect(pump.dropsAt(0).map(({ reason }) => reason)).toEqual(['bad-signature']);
    expect(pump.broadcastsBy(0, 'pre-prepare')).toHaveLength(0);
  });

  it('a faulty client that breaks the backups\' MACs cannot stall a correct primary: backups fall back to the signature', () => {
    const pump = new Pump({ auth: 'mac' });
    const request = pump.signRequest(CLIENT, 1, undefined, { badMacsAt: [1, 2, 3] });
    pump.request(request, 0);
    pump.run();
    expect(pump.repliesFor(CLIENT, 1).map(({ from }) => from).sort()).toEqual([0, 1, 2, 3]);
    expect(pump.drops.filter(({ reason }) => reason !== 'surplus-vote')).toEqual([]);
  });

  it('a backup refuses a PRE-PREPARE holding a request whose MAC and signature are both wrong', () => {
    const pump = new Pump({ auth: 'mac' });
    const forged = pump.signRequest(CLIENT, 1, undefined, { badSignature: true, badMacsAt: [1] });
    pump.inject(0, 1, prePrepareOf(pump, 1, [forged]));
    pump.run();
    expect(pump.dropsAt(1).map(({ reason }) => reason)).toEqual(['bad-batch']);
    expect(pump.broadcastsBy(1, 'prepare')).toHaveLength(0);
  });

  it("a backup takes a request on its own MAC, even with a bad signature (only the client or this backup could have made that MAC)", () => {
    const pump = new Pump({ auth: 'mac' });
    const request = pump.signRequest(CLIENT, 1, undefined, { badSignature: true });
    pump.inject(0, 1, prePrepareOf(pump, 1, [request]));
    pump.run();
    expect(pump.dropsAt(1)).toEqual([]);
    expect(pump.broadcastsBy(1, 'prepare').length).toBeGreaterThan(0);
  });

  it('frames of the other mode are dropped as wrong-auth-form, and an authenticator must hold n MACs', () => {
    const mac = new Pump({ auth: 'mac' });
    const signedPump = new Pump({ auth: 'signed', seed: 'pump' });
    mac.request(signedPump.signRequest(CLIENT, 1), 0);
    mac.run();
    expect(mac.dropsAt(0).map(({ reason }) => reason)).toEqual(['wrong-auth-form']);

    signedPump.request(mac.signRequest(CLIENT, 1), 0);
    signedPump.run();
    expect(signedPump.dropsAt(0).map(({ reason }) => reason)).toEqual(['wrong-auth-form']);

    const small = new Pump({ auth: 'mac', n: 4 });
    const seven = new Pump({ auth: 'mac', n: 7 });
    small.request(seven.signRequest(CLIENT, 1), 0);
    small.run();
    expect(small.dropsAt(0).map(({ reason, detail }) => `${reason}: ${detail}`)).toEqual(['wrong-auth-form: authenticator of 7 MACs, need n=4']);
  });

  it('a mac-mode client counts a reply only if its MAC is right, and refuses signed replies', () => {
    const { client, replies } = oneRequest();
    const receive = (from: number, frame: Uint8Array) => client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame, nowMs: 1 });
    const tampered = replies[0]!.signed.frame.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(receive(replies[0]!.from, tampered)).toEqual([]);
    const second = receive(replies[1]!.from, replies[1]!.signed.frame);
    // f+1 = 2 replies in one group: the tampered one is checked, fails and is forgotten.
    expect(second.map((output) => (output.kind === 'drop' ? output.reason : output.kind))).toEqual(['bad-signature']);
    const signed = new Pump({ auth: 'signed' });
    const signedReply = signed.sign<Reply>({ type: 'reply', view: 0, timestamp: replies[0]!.signed.message.timestamp, client: CLIENT, replica: 2, result: replies[0]!.signed.message.result });
    expect(receive(2, signedReply.frame).map((output) => (output.kind === 'drop' ? output.reason : output.kind))).toEqual(['wrong-auth-form']);
    expect(receive(replies[2]!.from, replies[2]!.signed.frame).map((output) => output.kind)).toEqual(['result']);
  });

  it('a request with a bad signature that a faulty primary planted at the backups is forgotten at the view change, so the next (correct) primary is not voted out', () => {
    const pump = new Pump({ auth: 'mac' });
    // Replica 0 is faulty: silent, except for one PRE-PREPARE whose request has right MACs and a bad signature.
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    const planted = pump.signRequest(CLIENT, 1, undefined, { badSignature: true });
    for (const backup of [1, 2, 3]) pump.inject(0, backup, prePrepareOf(pump, 1, [planted]));
    // Its PREPAREs are lost, so it never prepares and is not in any VIEW-CHANGE's P.
    pump.fate = (envelope) => (envelope.signed.message.type === 'prepare' && envelope.signed.message.view === 0 ? 'lose' : 'deliver');
    pump.run();
    pump.advance(2_000);
    expect([1, 2, 3].map((id) => pump.replica(id).view)).toEqual([1, 1, 1]);
    // Well past several timeouts: view 1's primary (replica 1) is correct and stays.
    pump.advance(12_000);
    expect([1, 2, 3].map((id) => pump.replica(id).view)).toEqual([1, 1, 1]);
    expect([1, 2, 3].map((id) => pump.replica(id).active)).toEqual([true, true, true]);
    expect(pump.repliesFor(CLIENT, 1)).toEqual([]);
  });
});
