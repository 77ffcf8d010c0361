// Surplus votes (src/core/admission.ts surplusPrepare, surplusCommit): a PREPARE for an
// entry of the current view that is already prepared, or a COMMIT for one already
// committed-local with 2f+1 matching COMMITs, can change nothing (OSDI'99 §4.2), so the
// gateway drops it as 'surplus-vote' before its Ed25519 signature is checked. Votes that
// can still count are verified as before, and the prepared certificate a VIEW-CHANGE
// carries (§4.4) still holds its 2f PREPAREs.
//
// Cluster: n=4, f=1, view 0 (primary 0). One replica under test at a time, built with a
// crypto that counts verify() calls; the other replicas' votes are signed by hand.

import { describe, expect, it } from 'vitest';
import { admit, type Peer } from '../../src/core/gateway.ts';
import { encodeBatch, encodeSigned } from '../../src/core/encoding.ts';
import type { ProtocolFlaw } from '../../src/core/flaws.ts';
import type { Message, PrePrepare, Request, Signed, SignedRequest, ViewChange } from '../../src/core/messages.ts';
import { Replica, type ReplicaOutput } from '../../src/core/replica.ts';
import { createCrypto, deriveSecretKey, type Crypto } from '../../src/crypto/index.ts';
import { Pump, TEST_PARAMETERS } from '../support/pump.ts';

const crypto = createCrypto('native');
const SEED = 'surplus-votes';
const N = 4;
const PRIMARY = 0;

const replicaKeyPairs = Array.from({ length: N }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'replica', id)));
const clientKeyPair = crypto.keyPair(deriveSecretKey(SEED, 'client', 0));
const replicaKeys = replicaKeyPairs.map((pair) => pair.publicKey);

/** A replica whose crypto counts its verify() calls. */
interface Counted {
  readonly replica: Replica;
  verifications(): number;
}

function countedReplica(id: number, flaws?: ReadonlySet<ProtocolFlaw>): Counted {
  let verifications = 0;
  const counting: Crypto = {
    name: crypto.name,
    keyPair: (secretKey) => crypto.keyPair(secretKey),
    sign: (keyPair, message) => crypto.sign(keyPair, message),
    sha256: (data) => crypto.sha256(data),
    hmacSha256: (key, data) => crypto.hmacSha256(key, data),
    sharedSecret: (keyPair, peerPublicKey) => crypto.sharedSecret(keyPair, peerPublicKey),
    verify: (publicKey, message, signature) => {
      verifications++;
      return crypto.verify(publicKey, message, signature);
    },
  };
  const replica = new Replica({
    ...TEST_PARAMETERS,
    n: N,
    id,
    keyPair: replicaKeyPairs[id]!,
    crypto: counting,
    replicaKeys,
    clientKey: (client) => (client === 0 ? clientKeyPair.publicKey : undefined),
    ...(flaws === undefined ? {} : { flaws }),
  });
  return { replica, verifications: () => verifications };
}

const peer = (id: number): Peer => ({ kind: 'replica', id });

function signedBy<M extends Message & { replica: number }>(message: M): Signed<M> {
  return encodeSigned(message, (bytes) => crypto.sign(replicaKeyPairs[message.replica]!, bytes));
}

const REQUEST: SignedRequest = encodeSigned<Request>({ type: 'request', operation: { type: 'put', key: 'k', value: 'v' }, timestamp: 1, client: 0 }, (bytes) =>
  crypto.sign(clientKeyPair, bytes),
);
const DIGEST = crypto.sha256(encodeBatch([REQUEST]));
const SEQ = 1;

const prePrepare = (): Signed<PrePrepare> => signedBy({ type: 'pre-prepare', view: 0, seq: SEQ, digest: DIGEST, replica: PRIMARY, batch: [REQUEST] });
const prepare = (replica: number, view = 0) => signedBy({ type: 'prepare', view, seq: SEQ, digest: DIGEST, replica });
const commit = (replica: number, view = 0) => signedBy({ type: 'commit', view, seq: SEQ, digest: DIGEST, replica });

function receive(replica: Replica, from: number, signed: Signed, nowMs = 0): ReplicaOutput[] {
  return replica.step({ kind: 'receive', from: peer(from), frame: signed.frame, nowMs });
}

/** The frame with one bit of its signature flipped: its signer did not sign it. */
function forged(signed: Signed): Uint8Array {
  const frame = signed.frame.slice();
  const first = signed.signedBytes.length; // the signature starts right after the signed bytes
  frame[first] = frame[first]! ^ 0x01;
  return frame;
}

const dropReasons = (outputs: readonly ReplicaOutput[]) => outputs.flatMap((output) => (output.kind === 'drop' ? [output.reason] : []));
const broadcastsOf = (outputs: readonly ReplicaOutput[], type: Message['type']) =>
  outputs.flatMap((output) => (output.kind === 'broadcast' && output.signed.message.type === type ? [output.signed] : []));

/** Backup 1 prepared at n=1: the PRE-PREPARE, its own PREPARE and replica 2's make 2f. */
function preparedBackup(flaws?: ReadonlySet<ProtocolFlaw>): Counted {
  const counted = countedReplica(1, flaws);
  receive(counted.replica, PRIMARY, prePrepare());
  receive(counted.replica, 2, prepare(2));
  expect(counted.replica.log.get(SEQ)?.prepared).toBe(true);
  return counted;
}

/** Backup 1 committed-local at n=1: its own COMMIT and those of 0 and 2 make 2f+1. */
function committedBackup(): Counted {
  const counted = preparedBackup();
  receive(counted.replica, PRIMARY, commit(PRIMARY));
  receive(counted.replica, 2, commit(2));
  expect(counted.replica.log.get(SEQ)?.committed).toBe(true);
  return counted;
}

describe('surplus votes: dropped before their signature is checked, n=4, f=1', () => {
  it.each([
    { vote: 'PREPARE', after: 'the entry prepared (backup 1 holds its own and 2\'s)', setUp: preparedBackup, frame: prepare, messageType: 'prepare', held: 'prepares' },
    { vote: 'COMMIT', after: 'the entry committed with 2f+1 matching COMMITs', setUp: committedBackup, frame: commit, messageType: 'commit', held: 'commits' },
  ] as const)('a $vote arriving after $after is dropped as surplus-vote with no verify() call and not stored', ({ setUp, frame, messageType, held }) => {
    const { replica, verifications } = setUp();
    const before = verifications();
    const outputs = receive(replica, 3, frame(3));
    expect(outputs).toEqual([expect.objectContaining({ kind: 'drop', reason: 'surplus-vote', messageType, from: peer(3) })]);
    expect(verifications()).toBe(before);
    expect(replica.log.get(SEQ)?.[held].has(3)).toBe(false);
  });

  it('the primary, which sends no PREPARE, prepares on backups 1 and 2 and drops backup 3\'s PREPARE unverified', () => {
    const { replica, verifications } = countedReplica(PRIMARY);
    replica.step({ kind: 'receive', from: { kind: 'client', id: 0 }, frame: REQUEST.frame, nowMs: 0 });
    const proposed = replica.log.get(SEQ)?.prePrepare?.message.digest;
    expect(proposed).toEqual(DIGEST);
    receive(replica, 1, prepare(1));
    receive(replica, 2, prepare(2));
    expect(replica.log.get(SEQ)?.prepared).toBe(true);
    const before = verifications();
    expect(dropReasons(receive(replica, 3, prepare(3)))).toEqual(['surplus-vote']);
    expect(verifications()).toBe(before);
  });

  it('a surplus PREPARE with a broken signature is a surplus-vote, not a bad-signature: the verdict needs no signature', () => {
    const { replica, verifications } = preparedBackup();
    const before = verifications();
    expect(admit(replica, peer(3), forged(prepare(3)))).toMatchObject({ verdict: 'drop', reason: 'surplus-vote' });
    expect(verifications()).toBe(before);
  });
});

describe('votes that can still count are verified and counted', () => {
  it('a PREPARE before the entry prepared costs one verify() call and is counted', () => {
    const { replica, verifications } = countedReplica(1);
    receive(replica, PRIMARY, prePrepare());
    expect(replica.log.get(SEQ)?.prepared).toBe(false);
    const before = verifications();
    const outputs = receive(replica, 2, prepare(2));
    expect(verifications()).toBe(before + 1);
    expect(dropReasons(outputs)).toEqual([]);
    expect(replica.log.get(SEQ)?.prepares.has(2)).toBe(true);
    expect(replica.log.get(SEQ)?.prepared).toBe(true);
    expect(broadcastsOf(outputs, 'commit')).toHaveLength(1);
  });

  it('a PREPARE before its PRE-PREPARE (no entry yet) is verified and kept', () => {
    const { replica, verifications } = countedReplica(1);
    const outputs = receive(replica, 2, prepare(2));
    expect(verifications()).toBe(1);
    expect(dropReasons(outputs)).toEqual([]);
    expect(replica.log.get(SEQ)?.prepares.has(2)).toBe(true);
  });

  it('a forged PREPARE before the entry prepared is still dropped as bad-signature', () => {
    const { replica } = countedReplica(1);
    receive(replica, PRIMARY, prePrepare());
    expect(dropReasons(replica.step({ kind: 'receive', from: peer(2), frame: forged(prepare(2)), nowMs: 0 }))).toEqual(['bad-signature']);
    expect(replica.log.get(SEQ)?.prepared).toBe(false);
  });

  it('a COMMIT of a prepared entry not yet committed is verified and counted', () => {
    const { replica, verifications } = preparedBackup();
    const before = verifications();
    expect(dropReasons(receive(replica, PRIMARY, commit(PRIMARY)))).toEqual([]);
    expect(verifications()).toBe(before + 1);
    expect(replica.log.get(SEQ)?.commits.has(PRIMARY)).toBe(true);
  });

  it('a PREPARE for the same n in a later view is not surplus: it waits for that view (future), unverified', () => {
    const { replica, verifications } = preparedBackup();
    const before = verifications();
    expect(admit(replica, peer(3), prepare(3, 1).frame).verdict).toBe('future');
    expect(verifications()).toBe(before);
  });

  it('under the commit-on-2f flaw an entry commits on 2f COMMITs, and the (2f+1)-th is still verified and kept: a commit certificate needs it', () => {
    const { replica, verifications } = preparedBackup(new Set<ProtocolFlaw>(['commit-on-2f']));
    receive(replica, PRIMARY, commit(PRIMARY));
    const entry = replica.log.get(SEQ)!;
    expect([entry.committed, entry.matchingCommits()]).toEqual([true, 2]);
    const before = verifications();
    expect(dropReasons(receive(replica, 2, commit(2)))).toEqual([]);
    expect(verifications()).toBe(before + 1);
    expect(entry.matchingCommits()).toBe(3);
    expect(dropReasons(receive(replica, 3, commit(3)))).toEqual(['surplus-vote']);
    expect(verifications()).toBe(before + 1);
  });
});

describe('the view change still gets what it needs (§4.4)', () => {
  it('after a surplus PREPARE was dropped, backup 1\'s VIEW-CHANGE carries a prepared certificate of 2f PREPAREs that another replica accepts', () => {
    const { replica } = preparedBackup();
    expect(dropReasons(receive(replica, 3, prepare(3)))).toEqual(['surplus-vote']);
    // No COMMIT arrives: the request stays waiting and the view-change timer fires (§4.4).
    const outputs = replica.step({ kind: 'tick', nowMs: TEST_PARAMETERS.viewChangeTimeoutMs + 1 });
    const [viewChange] = broadcastsOf(outputs, 'view-change') as Signed<ViewChange>[];
    expect(viewChange?.message.newView).toBe(1);
    const [certificate, ...others] = viewChange!.message.prepared;
    expect(others).toEqual([]);
    expect(certificate!.prePrepare.message.seq).toBe(SEQ);
    expect(certificate!.prepares.map((vote) => vote.message.replica).sort()).toEqual([1, 2]);
    expect(admit(countedReplica(2).replica, peer(1), viewChange!.frame)).toMatchObject({ verdict: 'accept' });
  });
});

describe('a fault-free run: surplus votes are the only drops, and the protocol is unchanged', () => {
  it('one request through n=4: every replica executes it; each drops one surplus PREPARE and one surplus COMMIT, nothing else', () => {
    const pump = new Pump({ n: N, seed: SEED, clients: 1 });
    pump.request(pump.signRequest(0, 1));
    pump.run();
    expect(pump.replicas.map((replica) => replica.lastExecuted)).toEqual([1, 1, 1, 1]);
    expect(pump.drops.filter(({ reason }) => reason !== 'surplus-vote')).toEqual([]);
    for (const replica of pump.replicas) {
      const types = pump.dropsAt(replica.id).map(({ messageType }) => messageType).sort();
      expect(types, `replica ${replica.id}`).toEqual(['commit', 'prepare']);
    }
  });
});
