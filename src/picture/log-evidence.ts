// Evidence of equivocation as `pancydb picture` finds it in replicas' logs (from-logs.ts):
// each holder's items, one per (holder, culprit, kind), the first found. A holder's log is
// its own word, so where the cluster's public keys are at hand each item must prove itself:
// its two frames, checked as `pancydb verify-evidence` checks them, must convict someone,
// and the item is then described as its frames say (culprit, kind, slot), not as logged.
// Otherwise a faulty replica could plant a flag of equivocation on an honest replica's lane.
import type { EvidenceFileItem } from '../check/evidence-file.ts';

/** What verified evidence convicts: its culprit, kind and slot, read from the frames. */
export type Proven = Required<Pick<EvidenceFileItem, 'culprit' | 'kind'>> & Pick<EvidenceFileItem, 'view' | 'seq'>;

/** What an item's frames prove, or undefined when they prove nothing. */
export type ProveEvidence = (item: EvidenceFileItem) => Proven | undefined;

/** Items tried per (holder, culprit, kind) before giving up: a lying log may repeat one a million times, and each costs two signature checks. */
export const EVIDENCE_TRIES = 8;

type Held = EvidenceFileItem & { readonly holder: number; readonly atMs: number };

/** The items kept, by time, and how many were left out for proving nothing. Without `prove`, items are kept as logged. */
export function keptEvidence(logged: readonly { readonly item: EvidenceFileItem; readonly holder: number; readonly atMs: number }[], prove: ProveEvidence | undefined): { items: Held[]; unproven: number } {
  const candidates = new Map<string, Held[]>();
  for (const { item: claimed, holder, atMs } of logged) {
    const item: Held = { ...claimed, holder, atMs };
    const key = `${holder}:${item.culprit}:${item.kind}`;
    const list = candidates.get(key);
    if (list === undefined) candidates.set(key, [item]);
    else list.push(item);
  }
  const kept = new Map<string, Held>();
  let unproven = 0;
  for (const list of candidates.values()) {
    list.sort((a, b) => a.atMs - b.atMs);
    let item: Held | undefined = list[0];
    if (prove !== undefined) {
      item = undefined;
      for (const candidate of list.slice(0, EVIDENCE_TRIES)) {
        const proven = prove(candidate);
        if (proven !== undefined) {
          item = { ...candidate, ...proven };
          break;
        }
        unproven++;
      }
      if (item === undefined) unproven += Math.max(0, list.length - EVIDENCE_TRIES);
    }
    if (item === undefined) continue;
    // Keyed again as proven: an item may convict another culprit than it named.
    const key = `${item.holder}:${item.culprit}:${item.kind}`;
    const before = kept.get(key);
    if (before === undefined || item.atMs < before.atMs) kept.set(key, item);
  }
  return { items: [...kept.values()].sort((a, b) => a.atMs - b.atMs || a.holder - b.holder), unproven };
}
