// Evidence of equivocation (src/core/evidence.ts) against a culprit that tries to push its
// own statement out of a correct replica's memory before the contradiction arrives: filler
// first (far CHECKPOINTs, VIEW-CHANGEs for other views, votes and O headers for far
// (v, n)), then the contradiction. Each attack evaded the detector while it evicted the
// oldest slot to make room; with the windows nothing is evicted, so each is caught. The
// windows' slots, filled completely, stay within the caps and evidenceByteBound.
// Cluster n=4, L=200, K=100: primary(v) = v mod 4.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS } from '../../src/core/config.ts';
import { encodeSigned, headerOf } from '../../src/core/encoding.ts';
import { EquivocationDetector, evidenceByteBound, evidenceLimits, statementsOf, type Statement } from '../../src/core/evidence.ts';
import type { Checkpoint, Commit, Message, NewView, Prepare, PrePrepare, PrePrepareHeader, Signed, ViewChange } from '../../src/core/messages.ts';
import { verifyEvidence } from '../../src/check/evidence-verify.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';
import { Pump } from '../support/pump.ts';

const crypto = createCrypto('native');
const N = 4;
const PARAMETERS = { ...DEFAULT_PARAMETERS, n: N };
const LIMITS = evidenceLimits(PARAMETERS);
const keyPairs = Array.from({ length: N }, (_, id) => crypto.keyPair(deriveSecretKey('evidence-evasion', 'replica', id)));
const keys = { keyOf: (id: number) => keyPairs[id]?.publicKey, description: 'the test cluster' };
/** The detector of replica 1. */
const ME = 1;

const signed = <M extends Message & { replica: number }>(message: M): Signed<M> => encodeSigned(message, (bytes) => crypto.sign(keyPairs[message.replica]!, bytes));
/** Filler needs no real signature: the detector trusts its caller's `verified` (the gateway checked it). */
const unsigned = <M extends Message>(message: M): Signed<M> => encodeSigned(message, () => new Uint8Array(64));
const digest = (label: string) => crypto.sha256(new TextEncoder().encode(label));
const header = (view: number, seq: number, label: string, sign = signed): Signed<PrePrepareHeader> =>
  headerOf(sign<PrePrepare>({ type: 'pre-prepare', view, seq, digest: digest(label), replica: view % N, batch: [] }));
const checkpoint = (replica: number, seq: number, label: string, sign = signed) => sign<Checkpoint>({ type: 'checkpoint', seq, digest: digest(label), replica });
const viewChange = (replica: number, newView: number, stableSeq: number, sign = signed) => sign<ViewChange>({ type: 'view-change', newView, stableSeq, checkpointProof: [], prepared: [], replica });

function detector(): EquivocationDetector {
  return new EquivocationDetector(ME, LIMITS, (signer, bytes, signature) => crypto.verify(keyPairs[signer]!.publicKey, bytes, signature));
}

/** What the gateway verified, at c = `view`, h = `lowWatermark`; returns the evidence found. */
const feed = (pool: EquivocationDetector, statements: readonly Statement[], view: number, lowWatermark = 0) =>
  statements.map((statement) => pool.observe(statement, true, view, lowWatermark)).filter((found) => found !== undefined);
/** This replica's own statement, which it never keeps, tells the detector that c and h moved (it prunes on the next statement). */
const moveTo = (pool: EquivocationDetector, view: number, lowWatermark: number) =>
  pool.observe(signed<Commit>({ type: 'commit', view, seq: lowWatermark + 1, digest: digest('own'), replica: ME }), true, view, lowWatermark);

describe('evasion: filler sent before the contradiction no longer pushes the culprit\'s statement out', () => {
  it('CHECKPOINT: n=100, then 99 CHECKPOINTs for n = 200 .. 10,000 and 50 off the multiples of K, then n=100 again with another digest: convicted', () => {
    const pool = detector();
    const first = checkpoint(3, 100, 's');
    const filler = [
      ...Array.from({ length: 99 }, (_, index) => checkpoint(3, 200 + 100 * index, `far ${index}`, unsigned)),
      ...Array.from({ length: 50 }, (_, index) => checkpoint(3, 101 + index, `odd ${index}`, unsigned)),
    ];
    const second = checkpoint(3, 100, 't');
    expect(feed(pool, [first, ...filler], 0)).toEqual([]);
    // Only n = 100 and 200 are in [h, h+L] on the multiples of K; the rest is not kept.
    expect(pool.slotCounts(3).checkpoints).toBe(2);
    const [evidence] = feed(pool, [second], 0);
    expect(evidence).toMatchObject({ culprit: 3, kind: 'checkpoint', seq: 100 });
    expect(verifyEvidence(evidence!.frames, keys, crypto)).toEqual({ culprit: 3, kind: 'checkpoint', view: undefined, seq: 100 });
  });

  it('VIEW-CHANGE: one for view 1, then one for each of views 2 .. 50, then another for view 1 (inside a NEW-VIEW): convicted', () => {
    const pool = detector();
    const first = viewChange(3, 1, 0);
    const filler = Array.from({ length: 49 }, (_, index) => viewChange(3, 2 + index, 0, unsigned));
    const second = viewChange(3, 1, 100); // Another story for view 1: another stable checkpoint.
    expect(feed(pool, [first, ...filler], 1)).toEqual([]);
    // Views c and c+1 only: 1 and 2.
    expect(pool.slotCounts(3).viewChanges).toBe(2);
    const votes = [0, 2].map((replica) => viewChange(replica, 1, 0));
    const newView = signed<NewView>({ type: 'new-view', newView: 1, viewChanges: [votes[0]!, second, votes[1]!], prePrepares: [], replica: 1 });
    const [evidence] = feed(pool, statementsOf(newView.message, newView), 1);
    expect(evidence).toMatchObject({ culprit: 3, kind: 'view-change', view: 1 });
    expect(evidence!.frames).toEqual([first.frame, second.frame]);
  });

  it('VIEW-CHANGE, the other way round: one for view 2, then one for the lower view 1, then another for view 2: convicted', () => {
    const pool = detector();
    const first = viewChange(3, 2, 0);
    expect(feed(pool, [first, viewChange(3, 1, 0, unsigned)], 1)).toEqual([]);
    const [evidence] = feed(pool, [viewChange(3, 2, 100)], 1);
    expect(evidence).toMatchObject({ culprit: 3, kind: 'view-change', view: 2 });
  });

  it('votes: PRE-PREPARE (v=0, n=5), then every vote slot of the windows filled and 10,000 O headers for far (v, n), then a prepared certificate with another header for (0, 5): convicted', () => {
    const pool = detector();
    const first = header(0, 5, 'A');
    expect(feed(pool, [first], 2)).toEqual([]);
    // Replica 0 is primary of views 0 and 4. At c=2 the windows are views 0..3 and n 0..200:
    // its PRE-PREPAREs and COMMITs of view 0, its PREPAREs and COMMITs of views 1..3.
    const inWindow: Statement[] = [];
    for (let view = 0; view <= 3; view++) {
      for (let seq = 0; seq <= 200; seq++) {
        if (!(view === 0 && seq === 5)) inWindow.push(view === 0 ? header(0, seq, `fill ${seq}`, unsigned) : unsigned<Prepare>({ type: 'prepare', view, seq, digest: digest(`fill ${view} ${seq}`), replica: 0 }));
        inWindow.push(unsigned<Commit>({ type: 'commit', view, seq, digest: digest(`fill ${view} ${seq}`), replica: 0 }));
      }
    }
    // O of a NEW-VIEW for view 4 (replica 0's next turn as primary), and of view 0 beyond h+L.
    const far = Array.from({ length: 10_000 }, (_, index) => (index % 2 === 0 ? header(4, 1 + index, `far ${index}`, unsigned) : header(0, 201 + index, `far ${index}`, unsigned)));
    // What no correct replica signs: PREPAREs from the primary of view 0, PRE-PREPAREs from a backup.
    const unsignable = [unsigned<Prepare>({ type: 'prepare', view: 0, seq: 7, digest: digest('x'), replica: 0 }), header(1, 7, 'x', unsigned)];
    expect(feed(pool, [...inWindow, ...far, ...unsignable], 2)).toEqual([]);
    // Every slot of replica 0's windows is held, and that is exactly the cap.
    expect(pool.slotCounts(0).votes).toBe(LIMITS.votesPerSigner);
    const contradiction = header(0, 5, 'B');
    const prepares = [2, 3].map((replica) => signed<Prepare>({ type: 'prepare', view: 0, seq: 5, digest: digest('B'), replica }));
    const carrier = signed<ViewChange>({ type: 'view-change', newView: 2, stableSeq: 0, checkpointProof: [], prepared: [{ prePrepare: contradiction, prepares }], replica: 2 });
    const [evidence] = feed(pool, statementsOf(carrier.message, carrier), 2);
    expect(evidence).toMatchObject({ culprit: 0, kind: 'pre-prepare', view: 0, seq: 5 });
    expect(verifyEvidence(evidence!.frames, keys, crypto)).toMatchObject({ culprit: 0, kind: 'pre-prepare', view: 0, seq: 5 });
  });
});

describe('evasion through the gateway: a Byzantine replica 2 (or 1) against correct replica 0, n=4, L=200, K=100', () => {
  const evidenceAt = (pump: Pump) => pump.replica(0).evidence.items().map(({ culprit, kind, view, seq }) => ({ culprit, kind, view, seq }));
  const pumpDigest = (label: string) => crypto.sha256(new TextEncoder().encode(label));

  it('CHECKPOINT n=100, then CHECKPOINTs for n = 200 .. 1,000, then another digest for n=100: replica 0 convicts replica 2', () => {
    const pump = new Pump();
    const checkpointOf = (seq: number, label: string) => pump.sign<Checkpoint>({ type: 'checkpoint', seq, digest: pumpDigest(label), replica: 2 });
    pump.inject(2, 0, checkpointOf(100, 's'));
    for (let seq = 200; seq <= 1000; seq += 100) pump.inject(2, 0, checkpointOf(seq, `far ${seq}`));
    pump.inject(2, 0, checkpointOf(100, 't'));
    pump.run();
    expect(evidenceAt(pump)).toEqual([{ culprit: 2, kind: 'checkpoint', view: undefined, seq: 100 }]);
  });

  it('VIEW-CHANGE for view 1, then VIEW-CHANGEs for views 2 and 5, then another for view 1 (dropped unchecked as already superseded: a challenge): replica 0 convicts replica 2', () => {
    const pump = new Pump();
    const viewChangeOf = (newView: number, stableSeq = 0) => pump.sign<ViewChange>({ type: 'view-change', newView, stableSeq, checkpointProof: [], prepared: [], replica: 2 });
    pump.inject(2, 0, viewChangeOf(1));
    pump.inject(2, 0, viewChangeOf(2));
    pump.inject(2, 0, viewChangeOf(5));
    pump.inject(2, 0, viewChangeOf(1, 100));
    pump.run();
    expect(pump.replica(0).view).toBe(0); // One faulty replica cannot move it.
    expect(evidenceAt(pump)).toEqual([{ culprit: 2, kind: 'view-change', view: 1, seq: undefined }]);
  });

  it('PREPARE (0, 5), then a NEW-VIEW for view 1 whose O holds L = 200 headers beyond H (the gateway caps the length of O at L and checks the signatures of its headers, not their range), then another PREPARE for (0, 5): replica 0 convicts replica 1', () => {
    const pump = new Pump();
    const prepareOf = (label: string) => pump.sign<Prepare>({ type: 'prepare', view: 0, seq: 5, digest: pumpDigest(label), replica: 1 });
    pump.inject(1, 0, prepareOf('A'));
    const viewChanges = [1, 2, 3].map((replica) => pump.sign<ViewChange>({ type: 'view-change', newView: 1, stableSeq: 0, checkpointProof: [], prepared: [], replica }));
    const prePrepares = Array.from({ length: 200 }, (_, index) =>
      headerOf(pump.sign<PrePrepare>({ type: 'pre-prepare', view: 1, seq: 201 + index, digest: pumpDigest(`far ${index}`), replica: 1, batch: [] })),
    );
    pump.inject(1, 0, pump.sign<NewView>({ type: 'new-view', newView: 1, viewChanges, prePrepares, replica: 1 }));
    pump.run();
    // O does not match V: replica 0 moves on to view 2 (new-view-entry.ts), still within reach of view 0.
    expect(pump.dropsAt(0).map((drop) => drop.reason)).toContain('bad-new-view');
    expect(pump.replica(0).view).toBe(2);
    pump.inject(1, 0, prepareOf('B'));
    pump.run();
    expect(evidenceAt(pump)).toEqual([{ culprit: 1, kind: 'prepare', view: 0, seq: 5 }]);
  });
});

describe('evasion: what still goes, and only when the replica moves', () => {
  it('a slot goes when c moves past its window: a VIEW-CHANGE for view 1 once in view 2, a vote of view 0 once in view 3', () => {
    const pool = detector();
    feed(pool, [viewChange(3, 1, 0), signed<Commit>({ type: 'commit', view: 0, seq: 5, digest: digest('a'), replica: 3 })], 1);
    expect(pool.slotCounts(3)).toEqual({ votes: 1, checkpoints: 0, viewChanges: 1 });
    moveTo(pool, 2, 0);
    expect(pool.observe(viewChange(3, 1, 100), false, 2, 0)).toBeUndefined();
    expect(pool.slotCounts(3)).toEqual({ votes: 1, checkpoints: 0, viewChanges: 0 });
    expect(pool.observe(signed<Commit>({ type: 'commit', view: 0, seq: 5, digest: digest('b'), replica: 3 }), false, 3, 0)).toBeUndefined();
    expect(pool.slotCounts(3).votes).toBe(0);
  });
});

describe('evasion: memory stays within evidenceByteBound under every filler at once', () => {
  it('three signers fill every window with the largest statements and flood far slots: under the bound; the bytes go when c and h move', () => {
    const pool = detector();
    const bound = evidenceByteBound(PARAMETERS);
    // A VIEW-CHANGE near the largest a correct replica sends: L certificates of n PREPAREs.
    const bigViewChange = (replica: number, newView: number) => {
      const prepared = Array.from({ length: PARAMETERS.logWindow }, (_, index) => ({
        prePrepare: header(0, 1 + index, `p ${index}`, unsigned),
        prepares: Array.from({ length: N }, (_, voter) => unsigned<Prepare>({ type: 'prepare', view: 0, seq: 1 + index, digest: digest(`p ${index}`), replica: voter })),
      }));
      return unsigned<ViewChange>({ type: 'view-change', newView, stableSeq: 0, checkpointProof: [], prepared, replica });
    };
    for (const signer of [0, 2, 3]) {
      const statements: Statement[] = [];
      for (let view = 0; view <= 5; view++) {
        for (let seq = 0; seq <= 400; seq++) {
          statements.push(view % N === signer ? header(view, seq, `h ${seq}`, unsigned) : unsigned<Prepare>({ type: 'prepare', view, seq, digest: digest(`p ${view} ${seq}`), replica: signer }));
          statements.push(unsigned<Commit>({ type: 'commit', view, seq, digest: digest(`c ${view} ${seq}`), replica: signer }));
        }
      }
      for (let seq = 0; seq <= 2000; seq += 50) statements.push(checkpoint(signer, seq, `k ${seq}`, unsigned));
      for (let view = 0; view <= 5; view++) statements.push(bigViewChange(signer, view));
      feed(pool, statements, 2);
      expect(pool.slotCounts(signer)).toEqual({ votes: LIMITS.votesPerSigner, checkpoints: LIMITS.checkpointsPerSigner, viewChanges: LIMITS.viewChangesPerSigner });
    }
    expect(pool.items()).toEqual([]);
    const full = pool.retainedBytes();
    expect(full).toBeLessThanOrEqual(bound);
    // Most of the bound is used: the windows are what it counts, not a loose estimate.
    expect(full).toBeGreaterThan(0.6 * bound);
    moveTo(pool, 6, 100);
    expect(pool.retainedBytes()).toBeLessThan(full / 10);
  });
});

describe('evidence restored after a restart (restore)', () => {
  const item = () => {
    const pool = detector();
    const [evidence] = feed(pool, [checkpoint(3, 100, 's'), checkpoint(3, 100, 't')], 0);
    return evidence!;
  };

  it('is listed, counted in the bytes, and stops the detector looking for that culprit and kind', () => {
    const pool = detector();
    expect(pool.restore(item())).toBe(true);
    expect(pool.items()).toEqual([item()]);
    expect(pool.retainedBytes()).toBeGreaterThan(0);
    expect(feed(pool, [checkpoint(3, 200, 'u'), checkpoint(3, 200, 'v')], 0)).toEqual([]);
  });

  it('is refused when it accuses this replica, names no replica of the cluster, repeats a (culprit, kind), or has a frame too large for its kind', () => {
    const pool = detector();
    const good = item();
    expect(pool.restore({ ...good, culprit: ME })).toBe(false);
    expect(pool.restore({ ...good, culprit: N })).toBe(false);
    expect(pool.restore({ ...good, frames: [good.frames[0], new Uint8Array(4096)] })).toBe(false);
    expect(pool.items()).toEqual([]);
    expect(pool.restore(good)).toBe(true);
    expect(pool.restore(good)).toBe(false);
    expect(pool.items()).toHaveLength(1);
  });
});
