// The safety checker (src/check/safety.ts) fed hand-made events: each property is
// reported when its violating events arrive, and nothing is reported for a consistent
// run. Requests carry real client signatures; verifyRequest checks them independently
// of any replica, the way the cluster driver wires it.

import { describe, expect, it } from 'vitest';
import { SafetyChecker } from '../../src/check/safety.ts';
import type { Property } from '../../src/check/violation.ts';
import { encodeSigned } from '../../src/core/encoding.ts';
import type { SignedRequest } from '../../src/core/messages.ts';
import type { Operation, OperationResult } from '../../src/core/operations.ts';
import type { Execution } from '../../src/core/replica.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';

const crypto = createCrypto('native');
const SEED = 'safety-checker-unit';
const clientKeyPairs = Array.from({ length: 3 }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'client', id)));

const DIGEST_A = crypto.sha256(Uint8Array.of(0xa));
const DIGEST_B = crypto.sha256(Uint8Array.of(0xb));
const PUT: Operation = { type: 'put', key: 'k', value: 'v' };
const HONEST: OperationResult = { status: 'ok', actual: '', previousVersion: 0, version: 1 };
const FORGED: OperationResult = { status: 'ok', actual: '', previousVersion: 0, version: 2 };

function newChecker(): SafetyChecker {
  return new SafetyChecker({
    verifyRequest: ({ request }) => {
      const key = clientKeyPairs[request.message.client]?.publicKey;
      return key !== undefined && crypto.verify(key, request.signedBytes, request.signature);
    },
  });
}

/** A request of `client` at t, signed with `signer`'s key (the client's own by default). */
function request(client: number, timestamp: number, signer = client): SignedRequest {
  return encodeSigned({ type: 'request', operation: PUT, timestamp, client }, (bytes) => crypto.sign(clientKeyPairs[signer]!, bytes));
}

const executed = (signed: SignedRequest, result: OperationResult = HONEST): Execution => ({ request: signed, result });
/** A request the replica skipped as already executed (§4.1). */
const skipped = (signed: SignedRequest): Execution => ({ request: signed, result: undefined });
const properties = (checker: SafetyChecker): Property[] => checker.violations.map((violation) => violation.property);

describe('safety checker: each property is reported', () => {
  it('agreement: two replicas commit different digests at one seq', () => {
    const checker = newChecker();
    checker.onCommitted(0, 7, DIGEST_A, 10);
    checker.onCommitted(1, 7, DIGEST_A, 11);
    expect(checker.ok).toBe(true);
    checker.onCommitted(2, 7, DIGEST_B, 12);
    expect(properties(checker)).toEqual(['agreement']);
    expect(checker.violations[0]).toMatchObject({ replicas: [0, 2], seq: 7, atMs: 12 });
  });

  it('agreement: an execution of a different digest at a committed seq', () => {
    const checker = newChecker();
    checker.onCommitted(0, 3, DIGEST_A, 10);
    checker.onExecuted(1, 3, DIGEST_B, [executed(request(0, 1))], 11);
    expect(properties(checker)).toEqual(['agreement']);
  });

  it('state-agreement: two replicas report different checkpoint digests for one seq', () => {
    const checker = newChecker();
    checker.onCheckpoint(0, 100, DIGEST_A, 10);
    checker.onCheckpoint(3, 100, DIGEST_B, 20);
    expect(properties(checker)).toEqual(['state-agreement']);
    expect(checker.violations[0]).toMatchObject({ replicas: [0, 3], seq: 100 });
  });

  it('state-agreement: two replicas compute different results for one (client, t)', () => {
    const checker = newChecker();
    checker.onExecuted(0, 1, DIGEST_A, [executed(request(0, 1), HONEST)], 10);
    checker.onExecuted(1, 1, DIGEST_A, [executed(request(0, 1), FORGED)], 11);
    expect(properties(checker)).toEqual(['state-agreement']);
  });

  it('exactly-once: one replica executes the same (client, t) twice', () => {
    const checker = newChecker();
    checker.onExecuted(2, 1, DIGEST_A, [executed(request(1, 5))], 10);
    checker.onExecuted(2, 2, DIGEST_B, [executed(request(1, 5))], 20);
    expect(properties(checker)).toEqual(['exactly-once']);
    expect(checker.violations[0]).toMatchObject({ replicas: [2], seq: 2 });
  });

  it('exactly-once: twice within one batch', () => {
    const checker = newChecker();
    checker.onExecuted(0, 1, DIGEST_A, [executed(request(1, 5)), executed(request(1, 5))], 10);
    expect(properties(checker)).toEqual(['exactly-once']);
  });

  it('exactly-once: a replica restarted without memory executes (client, t) at another seq than before', () => {
    const checker = newChecker();
    checker.onExecuted(2, 4, DIGEST_A, [executed(request(1, 5))], 10);
    checker.onRestart(2);
    checker.onExecuted(2, 9, DIGEST_B, [executed(request(1, 5))], 20);
    expect(properties(checker)).toEqual(['exactly-once']);
    expect(checker.violations[0]!.detail).toMatch(/at n=4 before its restart and at n=9 after/);
  });

  it('exactly-once: a restarted replica replaying the agreed history at the same seqs is fine, once', () => {
    const checker = newChecker();
    checker.onExecuted(2, 4, DIGEST_A, [executed(request(1, 5))], 10);
    checker.onRestart(2);
    checker.onExecuted(2, 4, DIGEST_A, [executed(request(1, 5))], 20);
    expect(checker.ok).toBe(true);
    checker.onExecuted(2, 4, DIGEST_A, [executed(request(1, 5))], 30);
    expect(properties(checker)).toEqual(['exactly-once']);
  });

  it('validity: an executed request whose signature verifyRequest rejects', () => {
    const checker = newChecker();
    checker.onExecuted(0, 1, DIGEST_A, [executed(request(0, 1, 2))], 10);
    expect(properties(checker)).toEqual(['validity']);
  });

  it('validity: an executed request whose body was changed after signing', () => {
    const checker = newChecker();
    const genuine = request(0, 1);
    const tampered: SignedRequest = { ...genuine, message: { ...genuine.message, timestamp: 2 } };
    // The checker must look at the signed bytes, not trust the decoded message: re-encode it.
    const reencoded = encodeSigned(tampered.message, () => genuine.signature);
    checker.onExecuted(0, 1, DIGEST_A, [executed(reencoded)], 10);
    expect(properties(checker)).toEqual(['validity']);
  });

  it('reply-integrity: a client accepts a result different from the honest one, after the honest execution', () => {
    const checker = newChecker();
    checker.onExecuted(0, 1, DIGEST_A, [executed(request(0, 1), HONEST)], 10);
    checker.onClientAccepted(0, 1, FORGED, [2, 3], 20);
    expect(properties(checker)).toEqual(['reply-integrity']);
    expect(checker.violations[0]).toMatchObject({ replicas: [2, 3] });
  });

  it('reply-integrity: a client accepts a result different from the honest one, before the honest execution', () => {
    const checker = newChecker();
    checker.onClientAccepted(0, 1, FORGED, [2, 3], 5);
    expect(checker.ok).toBe(true);
    checker.onExecuted(0, 1, DIGEST_A, [executed(request(0, 1), HONEST)], 10);
    expect(properties(checker)).toEqual(['reply-integrity']);
    checker.finish(100);
    expect(properties(checker)).toEqual(['reply-integrity']);
  });

  it('reply-integrity: a client accepts a result no honest replica ever executed, reported by finish()', () => {
    const checker = newChecker();
    checker.onClientAccepted(1, 4, HONEST, [2, 3], 5);
    expect(checker.ok).toBe(true);
    checker.finish(100);
    expect(properties(checker)).toEqual(['reply-integrity']);
    expect(checker.violations[0]).toMatchObject({ atMs: 100 });
  });
});

describe('safety checker: consistent events report nothing', () => {
  it('a run in which every replica agrees and every client accepts the honest result', () => {
    const checker = newChecker();
    const batches = [
      { seq: 1, digest: DIGEST_A, requests: [request(0, 1), request(1, 1)] },
      { seq: 2, digest: DIGEST_B, requests: [request(0, 2)] },
    ];
    // Client 2 accepts before any replica executes its request: fine once an honest one does.
    checker.onClientAccepted(2, 1, HONEST, [0, 1], 1);
    for (let replica = 0; replica < 4; replica++) {
      for (const { seq, digest, requests } of batches) {
        checker.onCommitted(replica, seq, digest, 10 * seq);
        checker.onExecuted(replica, seq, digest, requests.map((signed) => executed(signed)), 10 * seq);
      }
      checker.onExecuted(replica, 3, DIGEST_A, [executed(request(2, 1))], 30);
      // A duplicate the replica skipped (result undefined) is not a second execution.
      checker.onExecuted(replica, 4, DIGEST_B, [skipped(request(0, 2))], 40);
      checker.onCheckpoint(replica, 4, DIGEST_A, 40);
    }
    checker.onClientAccepted(0, 1, HONEST, [1, 2], 50);
    checker.onClientAccepted(1, 1, HONEST, [0, 3], 50);
    checker.onClientAccepted(0, 2, HONEST, [0, 1], 50);
    checker.finish(100);
    expect(checker.violations).toEqual([]);
    expect(checker.ok).toBe(true);
  });

  it('the same (client, t) executed once on each of several replicas is not exactly-once', () => {
    const checker = newChecker();
    for (let replica = 0; replica < 4; replica++) checker.onExecuted(replica, 1, DIGEST_A, [executed(request(0, 1))], 10);
    expect(checker.violations).toEqual([]);
  });
});
