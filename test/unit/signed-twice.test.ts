// The signed-twice checker (src/check/signed-twice.ts) fed hand-made frames, signed with
// real replica keys: a correct replica that signs two digests for one (v, n, phase), or
// two CHECKPOINT digests for one n, is reported once; everything else is not.
import { describe, expect, it } from 'vitest';
import { SignedTwiceChecker } from '../../src/check/signed-twice.ts';
import type { Violation } from '../../src/check/violation.ts';
import { encodeSigned } from '../../src/core/encoding.ts';
import type { Checkpoint, Commit, Message, NewView, PrePrepare, Prepare, Signed, ViewChange } from '../../src/core/messages.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';

const crypto = createCrypto('native');
const replicaKeyPairs = Array.from({ length: 4 }, (_, id) => crypto.keyPair(deriveSecretKey('signed-twice-unit', 'replica', id)));
const DIGEST_A = crypto.sha256(Uint8Array.of(0xa));
const DIGEST_B = crypto.sha256(Uint8Array.of(0xb));

function signed<M extends Message>(message: M & { readonly replica: number }): Signed<M> {
  return encodeSigned(message, (bytes) => crypto.sign(replicaKeyPairs[message.replica]!, bytes));
}
const prepare = (replica: number, view: number, seq: number, digest: Uint8Array) => signed<Prepare>({ type: 'prepare', view, seq, digest, replica });
const commit = (replica: number, view: number, seq: number, digest: Uint8Array) => signed<Commit>({ type: 'commit', view, seq, digest, replica });
const checkpoint = (replica: number, seq: number, digest: Uint8Array) => signed<Checkpoint>({ type: 'checkpoint', seq, digest, replica });
const prePrepare = (replica: number, view: number, seq: number, digest: Uint8Array) => signed<PrePrepare>({ type: 'pre-prepare', view, seq, digest, replica, batch: [] });

function newChecker(): { checker: SignedTwiceChecker; violations: Violation[] } {
  const violations: Violation[] = [];
  return { checker: new SignedTwiceChecker((violation) => violations.push(violation)), violations };
}

describe('signed-twice: a correct replica signing two digests for one slot is reported', () => {
  it('two PREPAREs for one (v, n) with different digests', () => {
    const { checker, violations } = newChecker();
    checker.onSent(1, prepare(1, 0, 5, DIGEST_A), 10);
    checker.onSent(1, prepare(1, 0, 5, DIGEST_B), 11);
    expect(violations).toEqual([expect.objectContaining({ property: 'signed-twice', replicas: [1], seq: 5, atMs: 11 })]);
    expect(violations[0]!.detail).toMatch(/replica 1 signed PREPARE v=0 n=5 .* at 10 ms .* at 11 ms/);
  });

  it('two COMMITs, two PRE-PREPAREs, two CHECKPOINTs for one n', () => {
    const { checker, violations } = newChecker();
    checker.onSent(2, commit(2, 1, 3, DIGEST_A), 1);
    checker.onSent(2, commit(2, 1, 3, DIGEST_B), 2);
    checker.onSent(0, prePrepare(0, 0, 4, DIGEST_A), 3);
    checker.onSent(0, prePrepare(0, 0, 4, DIGEST_B), 4);
    checker.onSent(3, checkpoint(3, 100, DIGEST_A), 5);
    checker.onSent(3, checkpoint(3, 100, DIGEST_B), 6);
    expect(violations.map((violation) => violation.detail.split(' with')[0])).toEqual([
      'replica 2 signed COMMIT v=1 n=3',
      'replica 0 signed PRE-PREPARE v=0 n=4',
      'replica 3 signed CHECKPOINT n=100',
    ]);
  });

  it('a PRE-PREPARE in the O of a NEW-VIEW that contradicts one the new primary sent before', () => {
    const { checker, violations } = newChecker();
    checker.onSent(1, prePrepare(1, 1, 7, DIGEST_A), 10);
    const header = encodeSigned({ type: 'pre-prepare', view: 1, seq: 7, digest: DIGEST_B, replica: 1, batch: [] } as PrePrepare, (bytes) => crypto.sign(replicaKeyPairs[1]!, bytes));
    const newView = signed<NewView>({ type: 'new-view', newView: 1, viewChanges: [], prePrepares: [header], replica: 1 });
    checker.onSent(1, newView, 20);
    expect(violations.map((violation) => violation.property)).toEqual(['signed-twice']);
  });

  it('a PREPARE inside its own VIEW-CHANGE that contradicts the PREPARE it sent', () => {
    const { checker, violations } = newChecker();
    checker.onSent(2, prepare(2, 0, 9, DIGEST_A), 10);
    const certificate = { prePrepare: prePrepare(0, 0, 9, DIGEST_B), prepares: [prepare(2, 0, 9, DIGEST_B), prepare(3, 0, 9, DIGEST_B)] };
    checker.onSent(2, signed<ViewChange>({ type: 'view-change', newView: 1, stableSeq: 0, checkpointProof: [], prepared: [certificate], replica: 2 }), 20);
    expect(violations).toEqual([expect.objectContaining({ property: 'signed-twice', replicas: [2], seq: 9 })]);
  });

  it('one double vote is reported once, however often it is resent', () => {
    const { checker, violations } = newChecker();
    checker.onSent(1, prepare(1, 0, 5, DIGEST_A), 10);
    for (let atMs = 11; atMs < 15; atMs++) checker.onSent(1, prepare(1, 0, 5, DIGEST_B), atMs);
    expect(violations).toHaveLength(1);
  });
});

describe('signed-twice: what is not a double signature', () => {
  it('the same digest resent, other views, other phases, other replicas', () => {
    const { checker, violations } = newChecker();
    checker.onSent(1, prepare(1, 0, 5, DIGEST_A), 10);
    checker.onSent(1, prepare(1, 0, 5, DIGEST_A), 11);
    checker.onSent(1, prepare(1, 1, 5, DIGEST_B), 12);
    checker.onSent(1, commit(1, 0, 6, DIGEST_B), 13);
    checker.onSent(2, prepare(2, 0, 5, DIGEST_B), 14);
    checker.onSent(3, checkpoint(3, 100, DIGEST_A), 15);
    checker.onSent(3, checkpoint(3, 200, DIGEST_B), 16);
    expect(violations).toEqual([]);
  });

  it("another replica's message that a correct replica forwards is not its own vote", () => {
    const { checker, violations } = newChecker();
    checker.onSent(0, prePrepare(0, 0, 4, DIGEST_A), 1);
    // Replica 2 relays a (faulty) primary's conflicting PRE-PREPARE: replica 0 signed it, replica 2 did not.
    checker.onSent(2, prePrepare(0, 0, 4, DIGEST_B), 2);
    expect(violations).toEqual([]);
  });
});
