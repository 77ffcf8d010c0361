// Attacks on 'mac' mode (src/core/auth.ts) and on the request paths it changed, found by a
// reviewer reading the code as an attacker would. Each test named "fixed:" failed before
// its fix (most of these paths predate 'mac' mode and were open in 'signed' mode too) and
// asserts what the fault model requires; the others pin behaviour that held all along.
//
// Cluster: n=4, f=1, view 0 (primary 0), real Ed25519 and HMAC keys (test/support/pump.ts).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeBatch } from '../../src/core/encoding.ts';
import type { PrePrepare, Signed, SignedRequest } from '../../src/core/messages.ts';
import { CLIENT_FRAME_MAX_BYTES, frameMaxBytes } from '../../src/core/limits.ts';
import { Client, type ClientOutput } from '../../src/core/client.ts';
import { crypto, Pump } from '../support/pump.ts';

const N = 4;
const CORRECT_CLIENT = 1;
const FAULTY_CLIENT = 2;

function prePrepareOf(pump: Pump, seq: number, batch: readonly SignedRequest[], view = 0): Signed<PrePrepare> {
  return pump.sign({ type: 'pre-prepare', view, seq, digest: crypto.sha256(encodeBatch(batch)), replica: view % N, batch });
}

const views = (pump: Pump, ids: readonly number[]) => ids.map((id) => pump.replica(id).view);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('requests a backup holds that no correct primary will ever order', () => {
  it('fixed: a faulty client alone votes out a correct primary: it sends a validly signed request only to backups that are changing views (they hold it, never relay it)', () => {
    const pump = new Pump({ auth: 'mac' });
    // Replica 0 (view 0's primary) has crashed: it hears, but says nothing.
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    // A correct client's request reaches the backups (its retransmission to all): their
    // timers run, and view 0 is voted out, as it should be.
    const honest = pump.signRequest(CORRECT_CLIENT, 1);
    for (const backup of [1, 2, 3]) pump.request(honest, backup);
    // Hold view 1's NEW-VIEW, so that the backups sit between views for a while.
    let holdNewView = true;
    pump.fate = (envelope) => (holdNewView && envelope.signed.message.type === 'new-view' ? 'hold' : 'deliver');
    pump.run();
    pump.advance(1_500);
    expect([2, 3].map((id) => [pump.replica(id).view, pump.replica(id).active])).toEqual([[1, false], [1, false]]);

    // The faulty client's request: validly signed, right MACs, sent only to replicas 2 and
    // 3 while they are not active. They note it waiting and, being inactive, relay it to nobody.
    const planted = pump.signRequest(FAULTY_CLIENT, 1);
    pump.request(planted, 2);
    pump.request(planted, 3);
    pump.run();
    expect([2, 3].map((id) => pump.replica(id).waiting.has(FAULTY_CLIENT))).toEqual([true, true]);

    holdNewView = false;
    pump.release();
    pump.run();
    expect(views(pump, [1, 2, 3])).toEqual([1, 1, 1]);
    expect(pump.repliesFor(CORRECT_CLIENT, 1).length).toBeGreaterThanOrEqual(3);

    // View 1's primary (replica 1) is correct and never got the planted request; the faulty
    // client never retransmits it. The fault model says replica 1 stays primary.
    pump.advance(20_000);
    expect(pump.replica(1).waiting.has(FAULTY_CLIENT) || pump.replica(1).pending.has(FAULTY_CLIENT)).toBe(false);
    expect(views(pump, [1, 2, 3])).toEqual([1, 1, 1]);
  });

  it('fixed: a faulty primary and a faulty client vote out the next (correct) primary: validly signed requests pre-prepared, unprepared, at backups other than the next primary', () => {
    const pump = new Pump({ auth: 'mac' });
    // Replica 0 is faulty: silent except for what the test injects in its name.
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    // Equivocation keeps either batch from preparing (so neither is in any P, nor in O).
    const a = pump.signRequest(FAULTY_CLIENT, 1, { type: 'put', key: 'x', value: 'a' });
    const b = pump.signRequest(FAULTY_CLIENT, 1, { type: 'put', key: 'x', value: 'b' });
    pump.inject(0, 2, prePrepareOf(pump, 1, [a]));
    pump.inject(0, 3, prePrepareOf(pump, 1, [b]));
    pump.run();
    expect([2, 3].map((id) => pump.replica(id).waiting.has(FAULTY_CLIENT))).toEqual([true, true]);
    // Replicas 2 and 3 time out and vote view 0 out (its primary is faulty: fine).
    pump.advance(1_500);
    expect(views(pump, [1, 2, 3])).toEqual([1, 1, 1]);
    // Both requests have good signatures, so forgetUnorderableRequests keeps them; replica 1
    // never had either. The fault model says correct replica 1 stays primary.
    pump.advance(20_000);
    expect(views(pump, [1, 2, 3])).toEqual([1, 1, 1]);
  });
});

describe('work a single peer can buy', () => {
  it('fixed: a faulty replica replaying an executed request as a "relay" buys one Ed25519 verification per frame at the primary (nothing is checked before the signature)', () => {
    const pump = new Pump({ auth: 'mac' });
    const request = pump.signRequest(CORRECT_CLIENT, 1);
    pump.request(request, 0);
    pump.run();
    expect(pump.repliesFor(CORRECT_CLIENT, 1)).toHaveLength(N);
    // Replica 3 is faulty: it saw the request in the PRE-PREPARE and replays it to the
    // primary as often as it likes. Every copy is stale (t=1 executed); onRequest ignores it.
    const verify = vi.spyOn(crypto, 'verify');
    for (let copy = 0; copy < 100; copy++) pump.inject(3, 0, request);
    pump.run();
    expect(pump.replica(0).lastExecuted).toBe(1);
    // What the copies cost: a check of the client table would do, as redundancy() does for votes.
    expect(verify.mock.calls.length).toBeLessThanOrEqual(1);
  });

  it('fixed: a PRE-PREPARE replayed by its primary (or duplicated by the network) is re-checked request by request: with the MACs broken, one signature verification per request per copy', () => {
    const pump = new Pump({ auth: 'mac' });
    const batch = Array.from({ length: 16 }, (_, index) => pump.signRequest(FAULTY_CLIENT, index + 1, undefined, { badMacsAt: [1, 2, 3] }));
    const prePrepare = prePrepareOf(pump, 1, batch);
    pump.inject(0, 1, prePrepare);
    pump.run();
    const verify = vi.spyOn(crypto, 'verify');
    for (let copy = 0; copy < 10; copy++) pump.inject(0, 1, prePrepare);
    pump.run();
    // Each copy of a PRE-PREPARE already logged for (v, n) with this digest is dropped as
    // redundant before anything is verified (170 verifications before the fix).
    expect(pump.dropsAt(1).filter(({ reason }) => reason !== 'surplus-vote').map(({ reason }) => reason)).toEqual(Array(10).fill('redundant'));
    expect(verify.mock.calls.length).toBe(0);
  });
});

describe('where mac mode still pays a signature per request', () => {
  it('in the normal case a backup checks its MAC, not the signature: only the primary verifies a request (passes)', () => {
    const pump = new Pump({ auth: 'mac' });
    const requests = [1, 2, 3].map((client) => pump.signRequest(client, 1));
    const verify = vi.spyOn(crypto, 'verify');
    for (const request of requests) pump.request(request, 0);
    pump.run();
    for (const request of requests) expect(pump.repliesFor(request.message.client, 1)).toHaveLength(N);
    const requestChecks = verify.mock.calls.filter(([, bytes]) => requests.some((request) => Buffer.from(request.signedBytes).equals(Buffer.from(bytes))));
    expect(requestChecks).toHaveLength(requests.length);
  });

  it('fixed: every view change re-verifies the signature of every waiting request, even those the gateway verified when their client sent them', () => {
    const pump = new Pump({ auth: 'mac' });
    pump.outbound = (from, output) => (from === 0 ? undefined : output.signed);
    const requests = [1, 2, 3, 4, 5, 6, 7].map((client) => pump.signRequest(client, 1));
    let holdNewView = true;
    pump.fate = (envelope) => (holdNewView && envelope.signed.message.type === 'new-view' ? 'hold' : 'deliver');
    // Each client retransmits to every replica: every backup verifies each signature once, here.
    for (const request of requests) for (const backup of [1, 2, 3]) pump.request(request, backup);
    pump.run();
    pump.advance(1_500);
    expect([1, 2, 3].map((id) => pump.replica(id).waiting.size)).toEqual([7, 7, 7]);
    const verify = vi.spyOn(crypto, 'verify');
    holdNewView = false;
    pump.release();
    pump.run();
    expect(views(pump, [1, 2, 3])).toEqual([1, 1, 1]);
    for (const request of requests) expect(pump.repliesFor(request.message.client, 1).length).toBeGreaterThanOrEqual(3);
    const requestChecks = verify.mock.calls.filter(([, bytes]) => requests.some((request) => Buffer.from(request.signedBytes).equals(Buffer.from(bytes))));
    // Entering view 1 costs 7 verifications at each of replicas 2 and 3 (forgetUnorderableRequests;
    // replica 1 paid its 7 when it sent the NEW-VIEW, before the spy); none was needed.
    expect(requestChecks).toHaveLength(0);
  });
});

describe('relayed requests', () => {
  it('fixed: a faulty client and one faulty replica stall a correct primary: a request far over the client frame cap, relayed under the replica cap, makes its PRE-PREPARE too large for every backup', () => {
    const pump = new Pump({ auth: 'mac' });
    const cap = frameMaxBytes('replica', pump.replica(1).config);
    const huge = (valueBytes: number) => pump.signRequest(FAULTY_CLIENT, 1, { type: 'put', key: 'byz', value: 'x'.repeat(valueBytes) });
    const probe = huge(cap - 1000);
    const overhead = probe.frame.length - (cap - 1000);
    // As large as a replica may relay, so that nothing can be batched beside it.
    const relayed = huge(cap - 8 - overhead);
    expect(relayed.frame.length).toBeLessThanOrEqual(cap);
    expect(relayed.frame.length).toBeGreaterThan(CLIENT_FRAME_MAX_BYTES);
    // Replica 3 is faulty and "relays" it. Before the fix the primary took it on its
    // signature and its PRE-PREPARE was too large for every backup; now the client cap
    // applies to a request whoever relays it.
    pump.inject(3, 0, relayed);
    pump.run();
    expect(pump.dropsAt(0).map(({ reason }) => reason)).toEqual(['frame-too-large']);
    // A correct client's request, ordered behind it: it never executes in view 0.
    pump.request(pump.signRequest(CORRECT_CLIENT, 1), 0);
    pump.run();
    pump.advance(3_000);
    expect(pump.repliesFor(CORRECT_CLIENT, 1).length).toBeGreaterThanOrEqual(2);
    expect(views(pump, [0, 1, 2, 3])).toEqual([0, 0, 0, 0]);
  });

  it('fixed: the same relay, smaller: a value over the client cap is written under a shared key, and a correct client\'s get of that key can never accept a reply', () => {
    const pump = new Pump({ auth: 'mac' });
    const relayed = pump.signRequest(FAULTY_CLIENT, 1, { type: 'put', key: 'shared', value: 'x'.repeat(4 * CLIENT_FRAME_MAX_BYTES) });
    pump.inject(3, 0, relayed);
    pump.run();
    // Dropped at the primary under the client cap (before the fix all N replicas executed it).
    expect(pump.repliesFor(FAULTY_CLIENT, 1)).toHaveLength(0);
    expect(pump.dropsAt(0).map(({ reason }) => reason)).toEqual(['frame-too-large']);
    const client = new Client({
      id: CORRECT_CLIENT, n: N, keyPair: pump.clientKeyPairs[CORRECT_CLIENT]!, crypto, replicaKeys: pump.replicaKeyPairs.map((pair) => pair.publicKey),
      initialTimeoutMs: 100, maxTimeoutMs: 800, auth: 'mac',
    });
    const send = client.step({ kind: 'submit', operation: { type: 'get', key: 'shared' }, nowMs: 0 }).find((output) => output.kind === 'send');
    pump.request((send as Extract<ClientOutput, { kind: 'send' }>).signed, 0);
    pump.run();
    const outputs = pump.repliesFor(CORRECT_CLIENT, 1).flatMap(({ from, signed }) => client.step({ kind: 'receive', from: { kind: 'replica', id: from }, frame: signed.frame, nowMs: 1 }));
    expect(outputs.map((output) => (output.kind === 'drop' ? output.reason : output.kind))).toContain('result');
  });
});
