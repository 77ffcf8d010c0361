// Frames from the future (later views, above H) are buffered before their signatures are
// checked, so the buffer is capped in bytes per sender as well as in frames
// (FUTURE_BUFFER_BYTES_PER_SENDER), and what needs no signature is checked first: a
// PRE-PREPARE's batch size and digest. An outside review parked 64 × 2 MiB junk
// PRE-PREPAREs for a later view in a correct replica (117 MB retained) before this.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETERS, type ReplicaConfig } from '../../src/core/config.ts';
import { encodeBatch, encodeSigned } from '../../src/core/encoding.ts';
import { FUTURE_BUFFER_BYTES_PER_SENDER } from '../../src/core/limits.ts';
import type { PrePrepare, Request, SignedRequest } from '../../src/core/messages.ts';
import { Replica } from '../../src/core/replica.ts';
import { createNativeCrypto, deriveSecretKey } from '../../src/crypto/index.ts';
import { retainedBytes } from '../support/heap.ts';

const native = createNativeCrypto();
const N = 4;
const keys = Array.from({ length: N }, (_, id) => native.keyPair(deriveSecretKey('future-bytes', 'replica', id)));
const config: ReplicaConfig = { ...DEFAULT_PARAMETERS, n: N, id: 0, keyPair: keys[0]!, crypto: native, replicaKeys: keys.map((pair) => pair.publicKey), clientKey: () => undefined };
/** About 60 KB of junk: an unknown client, a zero signature. */
const junk = encodeSigned<Request>({ type: 'request', client: 999, timestamp: 1, operation: { type: 'put', key: 'k', value: 'x'.repeat(60_000) } }, () => new Uint8Array(64)) as SignedRequest;

function prePrepareFrame(seq: number, batch: readonly SignedRequest[], digest = native.sha256(encodeBatch(batch))): Uint8Array {
  const message: PrePrepare = { type: 'pre-prepare', view: 1, seq, digest, replica: 1, batch };
  return encodeSigned(message, () => new Uint8Array(64)).frame; // not even signed: it is not checked yet
}

describe('the future buffer is bounded in bytes per sender', () => {
  it('64 junk PRE-PREPAREs of 2 MB for view 1 from replica 1: at most 1 MiB plus one frame is kept', () => {
    const replica = new Replica(config);
    const batch = Array.from({ length: 32 }, () => junk);
    let kept = 0;
    const retained = retainedBytes(() => {
      for (let seq = 1; seq <= 64; seq++) {
        const outputs = replica.step({ kind: 'receive', from: { kind: 'replica', id: 1 }, frame: prePrepareFrame(seq, batch), nowMs: 0 });
        if (!outputs.some((output) => output.kind === 'drop')) kept++;
      }
    });
    expect(kept).toBe(1); // the first fills the sender's byte budget on its own
    expect(replica.bufferedCount).toBe(1);
    expect(retained).toBeLessThan(FUTURE_BUFFER_BYTES_PER_SENDER + 4 * 1024 * 1024);
  });

  it('small future frames are kept up to the byte budget, then dropped as future-buffer-full', () => {
    const replica = new Replica(config);
    const reasons: string[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      for (const output of replica.step({ kind: 'receive', from: { kind: 'replica', id: 1 }, frame: prePrepareFrame(seq, [junk]), nowMs: 0 })) {
        if (output.kind === 'drop') reasons.push(output.reason);
      }
    }
    expect(replica.bufferedCount).toBe(Math.floor(FUTURE_BUFFER_BYTES_PER_SENDER / prePrepareFrame(1, [junk]).length));
    expect(new Set(reasons)).toEqual(new Set(['future-buffer-full']));
  });

  it('a future PRE-PREPARE whose batch does not hash to d, or is larger than B, is dropped before it is buffered', () => {
    const replica = new Replica(config);
    const wrongDigest = replica.step({ kind: 'receive', from: { kind: 'replica', id: 1 }, frame: prePrepareFrame(1, [junk], new Uint8Array(32)), nowMs: 0 });
    expect(wrongDigest).toEqual([expect.objectContaining({ kind: 'drop', reason: 'batch-digest-mismatch' })]);
    const tooLarge = replica.step({ kind: 'receive', from: { kind: 'replica', id: 1 }, frame: prePrepareFrame(2, Array.from({ length: config.maxBatch + 1 }, () => junk)), nowMs: 0 });
    expect(tooLarge).toEqual([expect.objectContaining({ kind: 'drop', reason: 'bad-batch' })]);
    expect(replica.bufferedCount).toBe(0);
  });
});
