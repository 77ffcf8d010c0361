// Evidence of equivocation (src/core/evidence.ts), the detector alone: what it keeps as
// evidence, what it does not (a retransmission, another view, another replica's vote, an
// unchecked statement), the work an unverified contradiction may cost, and its memory
// under a flood of distinct slots from one Byzantine signer. Cluster n=4, L=200, K=100.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS } from '../../src/core/config.ts';
import { encodeSigned, headerOf } from '../../src/core/encoding.ts';
import { EquivocationDetector, evidenceByteBound, evidenceLimits, statementsOf, type Statement } from '../../src/core/evidence.ts';
import type { Checkpoint, Commit, Message, Prepare, PrePrepare, Signed, ViewChange } from '../../src/core/messages.ts';
import { verifyEvidence } from '../../src/check/evidence-verify.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';
import { Pump } from '../support/pump.ts';

const crypto = createCrypto('native');
const N = 4;
const PARAMETERS = { ...DEFAULT_PARAMETERS, n: N };
const keyPairs = Array.from({ length: N }, (_, id) => crypto.keyPair(deriveSecretKey('evidence-unit', 'replica', id)));
const keys = { keyOf: (id: number) => keyPairs[id]?.publicKey, description: 'the test cluster' };
/** The detector of replica 1. */
const ME = 1;

const signed = <M extends Message & { replica: number }>(message: M): Signed<M> => encodeSigned(message, (bytes) => crypto.sign(keyPairs[message.replica]!, bytes));
/** Signed with 64 zero bytes instead: the flood below needs no real signatures, since the detector trusts its caller's `verified`. */
const unsigned = <M extends Message>(message: M): Signed<M> => encodeSigned(message, () => new Uint8Array(64));
const digest = (label: string) => crypto.sha256(new TextEncoder().encode(label));
const prepare = (replica: number, view: number, seq: number, label: string) => signed<Prepare>({ type: 'prepare', view, seq, digest: digest(label), replica });

function detector(counter = { verifications: 0 }): EquivocationDetector {
  return new EquivocationDetector(ME, evidenceLimits(PARAMETERS), (signer, bytes, signature) => {
    counter.verifications++;
    return crypto.verify(keyPairs[signer]!.publicKey, bytes, signature);
  });
}

/** Feeds statements the gateway verified, at view 0 and h = 0 unless told. */
const feed = (pool: EquivocationDetector, statements: readonly Statement[], position = { view: 0, lowWatermark: 0 }) =>
  statements.map((statement) => pool.observe(statement, true, position.view, position.lowWatermark)).filter((found) => found !== undefined);

describe('evidence: what a correct replica keeps', () => {
  it('two PREPAREs of replica 2 for (v=0, n=5) with different digests: evidence against 2, both frames, verifiable offline', () => {
    const pool = detector();
    const first = prepare(2, 0, 5, 'a');
    const second = prepare(2, 0, 5, 'b');
    const [evidence] = feed(pool, [first, second]);
    expect(evidence).toMatchObject({ culprit: 2, kind: 'prepare', view: 0, seq: 5 });
    expect(evidence!.frames).toEqual([first.frame, second.frame]);
    expect(verifyEvidence(evidence!.frames, keys, crypto)).toEqual({ culprit: 2, kind: 'prepare', view: 0, seq: 5 });
    expect(pool.items()).toEqual([evidence]);
  });

  it('an identical retransmission is no evidence, however often it comes', () => {
    const pool = detector();
    const vote = prepare(2, 0, 5, 'a');
    expect(feed(pool, [vote, vote, vote, signed<Prepare>({ ...vote.message })])).toEqual([]);
  });

  it('PREPAREs of one replica for one n in different views are different slots: no evidence', () => {
    const pool = detector();
    expect(feed(pool, [prepare(2, 0, 5, 'a'), prepare(2, 1, 5, 'b'), prepare(2, 2, 5, 'c')])).toEqual([]);
  });

  it('a PREPARE and a COMMIT of one (v, n) with different digests are different kinds: no evidence', () => {
    const pool = detector();
    const commit = signed<Commit>({ type: 'commit', view: 0, seq: 5, digest: digest('b'), replica: 2 });
    expect(feed(pool, [prepare(2, 0, 5, 'a'), commit])).toEqual([]);
  });

  it('two replicas voting differently for one slot is disagreement, not equivocation', () => {
    const pool = detector();
    expect(feed(pool, [prepare(2, 0, 5, 'a'), prepare(3, 0, 5, 'b')])).toEqual([]);
  });

  it('a PRE-PREPARE header in a prepared certificate against the full PRE-PREPARE received: the header frames are the evidence', () => {
    const pool = detector();
    const received = signed<PrePrepare>({ type: 'pre-prepare', view: 0, seq: 3, digest: digest('batch A'), replica: 0, batch: [] });
    const other = headerOf(signed<PrePrepare>({ type: 'pre-prepare', view: 0, seq: 3, digest: digest('batch B'), replica: 0, batch: [] }));
    const votes = [2, 3].map((replica) => signed<Prepare>({ type: 'prepare', view: 0, seq: 3, digest: digest('batch B'), replica }));
    const viewChange = signed<ViewChange>({ type: 'view-change', newView: 1, stableSeq: 0, checkpointProof: [], prepared: [{ prePrepare: other, prepares: votes }], replica: 3 });
    feed(pool, statementsOf(received.message, received));
    const [evidence] = feed(pool, statementsOf(viewChange.message, viewChange));
    expect(evidence).toMatchObject({ culprit: 0, kind: 'pre-prepare', view: 0, seq: 3 });
    expect(evidence!.frames[0]).toEqual(headerOf(received).frame);
    expect(verifyEvidence(evidence!.frames, keys, crypto)).toMatchObject({ culprit: 0, kind: 'pre-prepare' });
  });

  it('two CHECKPOINT digests for one n, and two VIEW-CHANGEs for one view: evidence of each kind', () => {
    const pool = detector();
    const checkpoint = (label: string) => signed<Checkpoint>({ type: 'checkpoint', seq: 100, digest: digest(label), replica: 3 });
    const viewChange = (stableSeq: number) => signed<ViewChange>({ type: 'view-change', newView: 2, stableSeq, checkpointProof: [], prepared: [], replica: 3 });
    const found = feed(pool, [checkpoint('s'), checkpoint('t'), viewChange(0), viewChange(0), signed<ViewChange>({ ...viewChange(0).message, prepared: [] }), viewChange(7)], { view: 2, lowWatermark: 0 });
    expect(found.map(({ kind, view, seq }) => ({ kind, view, seq }))).toEqual([
      { kind: 'checkpoint', view: undefined, seq: 100 },
      { kind: 'view-change', view: 2, seq: undefined },
    ]);
  });

  it('one item per (culprit, kind): later contradictions of that kind add nothing and cost no verification', () => {
    const counter = { verifications: 0 };
    const pool = detector(counter);
    expect(feed(pool, [prepare(2, 0, 5, 'a'), prepare(2, 0, 5, 'b')])).toHaveLength(1);
    const after = counter.verifications;
    expect(feed(pool, [prepare(2, 0, 6, 'a'), prepare(2, 0, 6, 'b'), prepare(2, 0, 5, 'c')])).toEqual([]);
    expect(counter.verifications).toBe(after);
    expect(pool.items()).toHaveLength(1);
  });

  it('never accuses itself', () => {
    expect(feed(detector(), [prepare(ME, 0, 5, 'a'), prepare(ME, 0, 5, 'b')])).toEqual([]);
  });

  it('slots below h are forgotten when h moves (§4.3): a contradiction below h finds nothing', () => {
    const pool = detector();
    feed(pool, [prepare(2, 0, 5, 'a')]);
    expect(pool.retainedBytes()).toBeGreaterThan(0);
    expect(feed(pool, [prepare(2, 0, 5, 'b')], { view: 0, lowWatermark: 100 })).toEqual([]);
    expect(pool.retainedBytes()).toBe(0);
  });
});

describe('evidence: statements the gateway did not check are only challenges', () => {
  it('an unchecked statement is never remembered, so it cannot be the first of a pair', () => {
    const pool = detector();
    expect(pool.observe(prepare(2, 0, 5, 'a'), false, 0, 0)).toBeUndefined();
    expect(feed(pool, [prepare(2, 0, 5, 'b')])).toEqual([]);
  });

  it('an unchecked contradiction with a good signature (a surplus vote) is evidence', () => {
    const pool = detector();
    feed(pool, [prepare(2, 0, 5, 'a')]);
    expect(pool.observe(prepare(2, 0, 5, 'b'), false, 0, 0)).toMatchObject({ culprit: 2, kind: 'prepare' });
  });

  it('a forged contradiction costs one verification per slot, once: replays of it cost none, and it convicts no one', () => {
    const counter = { verifications: 0 };
    const pool = detector(counter);
    feed(pool, [prepare(2, 0, 5, 'a')]);
    const forged = unsigned<Prepare>({ type: 'prepare', view: 0, seq: 5, digest: digest('b'), replica: 2 });
    for (let replay = 0; replay < 100; replay++) expect(pool.observe(forged, false, 0, 0)).toBeUndefined();
    expect(counter.verifications).toBe(1);
    expect(pool.items()).toEqual([]);
  });
});

describe('evidence: memory bounded in bytes', () => {
  it('a flood of 20,000 distinct vote slots from one Byzantine signer: only the windows are kept, under evidenceByteBound/(n-1)', () => {
    const pool = detector();
    const limits = evidenceLimits(PARAMETERS);
    const perSignerBound = evidenceByteBound(PARAMETERS) / (N - 1);
    let peak = 0;
    // Views 0..6 around c = 3 (2 behind, 1 ahead are kept), n from 0 to 1,999 (0..200 kept).
    for (let index = 0; index < 20_000; index++) {
      const vote = unsigned<Commit>({ type: 'commit', view: index % 7, seq: index % 2000, digest: digest(`flood ${index}`), replica: 3 });
      pool.observe(vote, true, 3, 0);
      if (index % 1000 === 0) peak = Math.max(peak, pool.retainedBytes());
    }
    peak = Math.max(peak, pool.retainedBytes());
    // COMMITs of views 1..4 and n 0..200: half the vote slots (the other kind is never sent here).
    expect(pool.slotCounts(3).votes).toBe(4 * 201);
    expect(pool.slotCounts(3).votes).toBe(limits.votesPerSigner / 2);
    expect(peak).toBeLessThanOrEqual(perSignerBound);
    // Full, and no fuller: each slot a ~110-byte frame, a digest and the overhead.
    const slotBytes = peak / (4 * 201);
    expect(slotBytes).toBeGreaterThan(250);
    expect(slotBytes).toBeLessThan(400);
    expect(pool.items()).toEqual([]);
  });

  it('the bound, for the defaults: under 3 MiB at n=4, under the 16 MiB replica budget at n=7', () => {
    expect(evidenceByteBound({ ...PARAMETERS, n: 4 })).toBeLessThan(3 * 1024 * 1024);
    expect(evidenceByteBound({ ...PARAMETERS, n: 7 })).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('evidence: memory stays within evidenceByteBound whatever a Byzantine replica signs', () => {
  it('a VIEW-CHANGE the gateway verified but dropped for its contents (bad-view-change) is no larger than a correct one, or it is not kept', () => {
    const pump = new Pump({ parameters: { logWindow: 8, checkpointInterval: 4 } });
    const parameters = pump.replica(0).config;
    const bound = evidenceByteBound(parameters);
    // Replica 2 signs a VIEW-CHANGE padded with thousands of bogus prepared certificates:
    // the gateway checks its one signature, finds the first certificate out of range and
    // drops it as bad-view-change, handing it on as a verified statement.
    const header = pump.sign<PrePrepare>({ type: 'pre-prepare', view: 0, seq: 1, digest: new Uint8Array(32), replica: 0, batch: [] });
    const prepared = Array.from({ length: 4000 }, () => ({ prePrepare: headerOf(header), prepares: [] }));
    const padded = (stableSeq: number) => pump.sign<ViewChange>({ type: 'view-change', newView: 5, stableSeq, checkpointProof: [], prepared, replica: 2 });
    pump.inject(2, 0, padded(0));
    pump.inject(2, 0, padded(1)); // a second, different one for view 5: evidence, if kept
    pump.run();
    expect(pump.dropsAt(0).map((drop) => drop.reason)).toContain('bad-view-change');
    expect(padded(0).frame.length).toBeGreaterThan(bound);
    expect(pump.replica(0).evidence.retainedBytes()).toBeLessThanOrEqual(bound);
  });
});
