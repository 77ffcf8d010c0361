// Byzantine clients (src/sim/byzantine-clients.ts): clients with valid keys that
// equivocate, jump their timestamps, replay and flood. Clients are untrusted (OSDI'99 §3):
// each request executes at most once in one agreed order (§4.1, §4.2), old timestamps get
// the cached reply or nothing (§4.1), broken frames die at the gateway, and what replicas
// keep per client stays one entry per registered client. In 'mac' mode (src/core/auth.ts)
// two more kinds attack the authenticator: MACs right at some replicas only, and right
// MACs under a wrong signature; neither may get a correct primary voted out.
import { describe, expect, it } from 'vitest';
import { checkPancydbVersions } from '../../src/check/linearizability/index.ts';
import { requestMacValid, sessionKeysOf, type AuthMode } from '../../src/core/auth.ts';
import type { SignedRequest } from '../../src/core/messages.ts';
import type { Replica } from '../../src/core/replica.ts';
import { createCrypto } from '../../src/crypto/index.ts';
import { deriveSecretKey } from '../../src/crypto/keys.ts';
import { ByzantineClients, NEAR_TOP, type ByzantineClientKind, type ByzantineClientOptions } from '../../src/sim/byzantine-clients.ts';
import { createRng } from '../../src/sim/rng.ts';
import { lockseqWorkloadOf } from '../../src/sim/profiles.ts';
import type { SeedRun } from '../../src/sim/run.ts';
import { adversaryRun } from '../support/adversary-run.ts';
import { describeViolations } from '../support/simulate.ts';

const CORRECT_CLIENTS = 4;
/** Measured worst case over 100 seeds of the shipped scenario: 0.23 s; 3 s leaves room for one view change. */
const COMPLETE_WITHIN_MS = 3_000;

/** The per-client maps of a replica, which TypeScript keeps private (read here, never written). */
interface PerClient {
  readonly waiting: ReadonlyMap<number, unknown>;
  readonly pending: ReadonlyMap<number, unknown>;
  readonly ordered: ReadonlyMap<number, unknown>;
  /** The batch store (src/core/batch-store.ts), whose map a flood of batches could grow. */
  readonly batches: { readonly batches: ReadonlyMap<string, unknown> };
}

interface ByzantineRun {
  readonly run: SeedRun;
  /** The largest size each per-client structure reached at any correct replica, at any step. */
  readonly peak: { waiting: number; pending: number; ordered: number; clientTable: number; batches: number };
}

/** The adversary tests' common run (test/support/adversary-run.ts), 11 s long, with the given Byzantine clients; 3 s to finish. */
function byzantineRun(seed: number, byzantineClients: ByzantineClientOptions, auth: AuthMode = 'signed'): ByzantineRun {
  const peak = { waiting: 0, pending: 0, ordered: 0, clientTable: 0, batches: 0 };
  const run = adversaryRun({
    seed,
    auth,
    durationMs: 11_000,
    workload: lockseqWorkloadOf('ci', CORRECT_CLIENTS),
    byzantineClients,
    liveness: { liveAfterMs: 0, completeWithinMs: COMPLETE_WITHIN_MS },
    afterReplicaStep: (replica: Replica) => {
      const maps = replica as unknown as PerClient;
      peak.waiting = Math.max(peak.waiting, maps.waiting.size);
      peak.pending = Math.max(peak.pending, maps.pending.size);
      peak.ordered = Math.max(peak.ordered, maps.ordered.size);
      peak.clientTable = Math.max(peak.clientTable, replica.clients.size);
      peak.batches = Math.max(peak.batches, maps.batches.batches.size);
    },
  });
  return { run, peak };
}

function dropped(run: SeedRun, reasons: readonly string[]): number {
  return reasons.reduce((total, reason) => total + (run.report.drops[reason] ?? 0), 0);
}

describe('Byzantine clients', () => {
  it('two clients flooding valid and invalid requests at 100/s each: invalid ones dropped, correct clients keep committing within 3 s, per-client state bounded (4 seeds)', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const { run, peak } = byzantineRun(seed, { count: 2, kinds: ['flood-valid', 'flood-invalid'], ratePerS: 100 });
      expect(describeViolations(run)).toEqual([]);
      const byzantine = run.context.byzantineClients!;
      expect(byzantine.sent['flood-valid'], `seed ${seed}`).toBeGreaterThan(500);
      expect(byzantine.sent['flood-invalid'], `seed ${seed}`).toBeGreaterThan(500);
      expect(run.report.drops['bad-signature'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(run.report.drops['malformed'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      expect(dropped(run, ['sender-not-signer', 'unknown-signer']), `seed ${seed}`).toBeGreaterThan(0);
      // Their valid requests did execute (and were answered), beside the correct clients' work.
      expect(byzantine.replies, `seed ${seed}`).toBeGreaterThan(100);
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(120);
      const clients = CORRECT_CLIENTS + 2;
      expect(Math.max(peak.waiting, peak.pending, peak.ordered), `seed ${seed}`).toBeLessThanOrEqual(clients);
      expect(peak.clientTable, `seed ${seed}`).toBe(clients);
      // Batches are collected at stable checkpoints (§4.3): at most one per n in the window.
      expect(peak.batches, `seed ${seed}`).toBeLessThanOrEqual(run.context.replicas[0]!.config.logWindow);
    }
  });

  it('every kind at 50/s: equivocation executes once, huge timestamps exhaust only their own client, replays are answered or dropped as stale (3 seeds)', () => {
    for (let seed = 10; seed < 13; seed++) {
      const { run, peak } = byzantineRun(seed, { count: 2, kinds: ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid'], ratePerS: 50 });
      // Exactly-once and agreement are the safety checker's: no (client, t) executes twice.
      expect(describeViolations(run)).toEqual([]);
      const byzantine = run.context.byzantineClients!;
      for (const kind of ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid'] as const) expect(byzantine.sent[kind], `seed ${seed} ${kind}`).toBeGreaterThan(50);
      expect(run.report.drops['stale-request'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
      // Both Byzantine clients executed a t near 2^53-1 at every correct replica; correct clients were unaffected.
      for (const id of run.context.correct) {
        const tops = byzantine.ids.map((client) => run.context.replicas[id]!.clients.get(client)?.timestamp ?? 0);
        expect(Math.min(...tops), `seed ${seed} replica ${id}`).toBeGreaterThanOrEqual(Number.MAX_SAFE_INTEGER - NEAR_TOP);
      }
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(120);
      expect(peak.clientTable, `seed ${seed}`).toBe(CORRECT_CLIENTS + 2);
      expect(Math.max(peak.waiting, peak.pending, peak.ordered), `seed ${seed}`).toBeLessThanOrEqual(CORRECT_CLIENTS + 2);
    }
  });

  // Byzantine clients' writes take versions from the database-wide counter. Versions that
  // no operation in the history explains are a violation, so the driver adds each of
  // their executed requests to the history (src/sim/cluster.ts, recordByzantineExecution).
  it('the version checker rejects a version gap that no operation in the history explains', () => {
    const history = [
      { id: 0, client: 0, callMs: 0, returnMs: 10, input: { type: 'put', key: 'a', value: 'x' } as const, output: { status: 'ok', actual: '', previousVersion: 0, version: 2 } as const },
      { id: 1, client: 0, callMs: 20, returnMs: 30, input: { type: 'get', key: 'a' } as const, output: { status: 'ok', value: 'x', version: 2 } as const },
    ];
    expect(checkPancydbVersions(history).verdict).toBe('not-linearizable');
  });

  it('their executed writes take versions and join the history once each, which stays linearizable (3 seeds)', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const { run } = byzantineRun(seed, { count: 2, kinds: ['equivocate', 'replay', 'flood-valid'], ratePerS: 50 });
      expect(describeViolations(run)).toEqual([]);
      const byzantine = run.context.history.operations.filter((operation) => operation.client >= CORRECT_CLIENTS);
      const versioned = byzantine.filter((operation) => operation.output !== undefined && 'actual' in operation.output && operation.output.status === 'ok' && operation.output.version > 0);
      expect(versioned.length, `seed ${seed}`).toBeGreaterThan(10);
      const keys = byzantine.map((operation) => `${operation.client}:${JSON.stringify(operation.input)}:${operation.callMs}`);
      expect(new Set(keys).size, `seed ${seed}: an operation recorded twice`).toBe(keys.length);
      expect(run.report.linearizability, `seed ${seed}`).toBe('linearizable');
    }
  });
});

/** What one Byzantine client of the given kind sends first, n = 4, in `auth` mode; and who can check it. */
function firstSends(kind: ByzantineClientKind, auth: AuthMode, actions: number): { sends: SignedRequest[]; macValidAt: (request: SignedRequest) => boolean[]; signatureValid: (request: SignedRequest) => boolean } {
  const crypto = createCrypto('noble');
  const replicaPairs = [0, 1, 2, 3].map((id) => crypto.keyPair(deriveSecretKey(1, 'replica', id)));
  const replicaKeys = replicaPairs.map((pair) => pair.publicKey);
  const clientPair = crypto.keyPair(deriveSecretKey(1, 'client', 4));
  const clients = new ByzantineClients({
    options: { count: 1, kinds: [kind], ratePerS: 10 },
    firstId: 4,
    n: 4,
    crypto,
    auth,
    replicaKeys,
    keyPair: () => clientPair,
    rng: createRng(1),
    stopAtMs: 10_000,
  });
  const sends = Array.from({ length: actions }, (_, index) => clients.act(4, index * 100)).flat().map((send) => {
    expect(send.to).toBe('all');
    return send.signed as SignedRequest;
  });
  const replicaSessionKeys = replicaPairs.map((keyPair, id) => sessionKeysOf({ kind: 'replica', id }, { crypto, keyPair, replicaKeys, clientKey: (client) => (client === 4 ? clientPair.publicKey : undefined) }));
  return {
    sends,
    macValidAt: (request) => replicaSessionKeys.map((keys, id) => requestMacValid(keys, id, request)),
    signatureValid: (request) => crypto.verify(clientPair.publicKey, request.signedBytes, request.signature),
  };
}

describe('Byzantine clients that attack the MAC authenticator: what they send', () => {
  it("split-authenticator in mac mode: a valid signature, each MAC right at some replicas and wrong at others, the split drawn per request", () => {
    const { sends, macValidAt, signatureValid } = firstSends('split-authenticator', 'mac', 30);
    const splits = new Set<string>();
    for (const request of sends) {
      expect(signatureValid(request)).toBe(true);
      const valid = macValidAt(request);
      expect(valid.filter(Boolean).length, valid.join()).toBeGreaterThanOrEqual(1);
      expect(valid.filter(Boolean).length, valid.join()).toBeLessThan(4);
      splits.add(valid.map((right) => (right ? 'R' : 'w')).join(''));
    }
    // Right only at replica 0, at a random half, at all but one: several shapes in 30 requests.
    expect(splits.has('Rwww')).toBe(true);
    expect(splits.size).toBeGreaterThan(3);
  });

  it('mac-only in mac mode: every MAC right, the signature wrong', () => {
    const { sends, macValidAt, signatureValid } = firstSends('mac-only', 'mac', 10);
    for (const request of sends) {
      expect(macValidAt(request)).toEqual([true, true, true, true]);
      expect(signatureValid(request)).toBe(false);
    }
  });

  it('in signed mode: split-authenticator sends an ordinary signed request, mac-only a badly signed one, neither with MACs', () => {
    const split = firstSends('split-authenticator', 'signed', 5);
    for (const request of split.sends) {
      expect(request.authenticator).toBeUndefined();
      expect(split.signatureValid(request)).toBe(true);
    }
    const macOnly = firstSends('mac-only', 'signed', 5);
    for (const request of macOnly.sends) {
      expect(request.authenticator).toBeUndefined();
      expect(macOnly.signatureValid(request)).toBe(false);
    }
  });
});

describe('Byzantine clients that attack the MAC authenticator: no faulty replica, n=4', () => {
  const kinds: ByzantineClientKind[] = ['split-authenticator', 'mac-only'];

  it.each(['mac', 'signed'] as const)('%s mode, two clients at 50/s: no violation, every correct request completes within 3 s, and no view change (3 seeds)', (auth) => {
    for (let seed = 1; seed <= 3; seed++) {
      const { run } = byzantineRun(seed, { count: 2, kinds, ratePerS: 50 }, auth);
      expect(run.report.auth).toBe(auth);
      // Safety, linearizability, validity (only client-signed requests execute) and the liveness bound.
      expect(describeViolations(run)).toEqual([]);
      // A correct primary was never voted out: no replica changed views.
      expect(run.report.viewChanges, `seed ${seed}`).toBe(0);
      expect(run.report.finalView, `seed ${seed}`).toBe(0);
      const byzantine = run.context.byzantineClients!;
      for (const kind of kinds) expect(byzantine.sent[kind], `seed ${seed} ${kind}`).toBeGreaterThan(300);
      // Every mac-only request died at the gateway of each replica; the split ones executed.
      expect(run.report.drops['bad-signature'] ?? 0, `seed ${seed}`).toBeGreaterThanOrEqual(4 * byzantine.sent['mac-only'] * 0.9);
      const executed = run.context.history.operations.filter((operation) => operation.client >= CORRECT_CLIENTS);
      expect(executed.length, `seed ${seed}`).toBeGreaterThan(0.9 * byzantine.sent['split-authenticator']);
      expect(run.report.committed, `seed ${seed}`).toBeGreaterThan(120);
    }
  });

  it('mac-only requests, executed where replicas do not check signatures, are still the client\'s own: their MACs at correct replicas prove it, and the validity checker accepts them (mac mode)', () => {
    const run = adversaryRun({ seed: 1, auth: 'mac', byzantineClients: { count: 1, kinds: ['mac-only'], ratePerS: 50 }, flaws: new Set(['request-signature-not-checked']) });
    // Some did execute (the Byzantine client's id follows the workload's clients)...
    const byzantineId = run.context.clients.length;
    expect(run.context.replicas.some((replica) => (replica.clients.get(byzantineId)?.timestamp ?? 0) > 0)).toBe(true);
    // ...and none is a validity violation.
    expect(run.report.violations).toEqual([]);
  });
});
