// The NEW-VIEW computation of OSDI'99 §4.4, as a pure function of V. The new primary
// runs it to build O; every backup runs it again and accepts NEW-VIEW only if O matches
// exactly. Nothing here trusts the primary: only the (already validated) VIEW-CHANGEs.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from './bytes.ts';
import { encodeBatch } from './encoding.ts';
import type { Checkpoint, PrePrepareHeader, Signed, ViewChange } from './messages.ts';

/** The digest of the null request: an empty batch, executed as a no-op (§4.4). */
export const NULL_DIGEST: Uint8Array = sha256(encodeBatch([]));

export interface NewViewPlan {
  /** min-s: the latest stable checkpoint in V, with the proof that came with it. */
  readonly minS: number;
  readonly checkpointProof: readonly Signed<Checkpoint>[];
  /** max-s: the highest sequence number in any prepared certificate of V. */
  readonly maxS: number;
  /** For each n in (min-s, max-s]: the digest from the highest-view certificate, or NULL_DIGEST. */
  readonly digests: readonly { readonly seq: number; readonly digest: Uint8Array }[];
}

export function planNewView(viewChanges: readonly ViewChange[]): NewViewPlan {
  let minS = 0;
  let checkpointProof: readonly Signed<Checkpoint>[] = [];
  let maxS = 0;
  const best = new Map<number, { view: number; digest: Uint8Array }>();
  for (const viewChange of viewChanges) {
    if (viewChange.stableSeq > minS) {
      minS = viewChange.stableSeq;
      checkpointProof = viewChange.checkpointProof;
    }
    for (const { prePrepare } of viewChange.prepared) {
      const { seq, view, digest } = prePrepare.message;
      maxS = Math.max(maxS, seq);
      const current = best.get(seq);
      if (current === undefined || view > current.view) best.set(seq, { view, digest });
    }
  }
  maxS = Math.max(maxS, minS);
  const digests: { seq: number; digest: Uint8Array }[] = [];
  for (let seq = minS + 1; seq <= maxS; seq++) digests.push({ seq, digest: best.get(seq)?.digest ?? NULL_DIGEST });
  return { minS, checkpointProof, maxS, digests };
}

/** Whether O (as headers from the new primary) is exactly the plan: same numbers, same digests. */
export function matchesPlan(plan: NewViewPlan, newView: number, prePrepares: readonly Signed<PrePrepareHeader>[]): string | undefined {
  if (prePrepares.length !== plan.digests.length) return `O holds ${prePrepares.length} entries, V implies ${plan.digests.length}`;
  for (let index = 0; index < plan.digests.length; index++) {
    const expected = plan.digests[index]!;
    const actual = prePrepares[index]!.message;
    if (actual.view !== newView || actual.seq !== expected.seq) return `O entry ${index} is v=${actual.view} n=${actual.seq}, expected v=${newView} n=${expected.seq}`;
    if (!bytesEqual(actual.digest, expected.digest)) return `O entry n=${expected.seq} has another digest than V implies`;
  }
  return undefined;
}
