// The evidence of equivocation correct replicas kept during a simulated run
// (src/core/evidence.ts), as the driver collected it from their 'evidence' events: in the
// order found, one item per (holder, culprit, kind), so a holder that restarts and finds
// the same again does not count twice. For --json, the trace and `--evidence FILE`.
import { evidenceFileItem } from '../check/evidence-file.ts';
import type { Evidence, EvidenceKind } from '../core/evidence.ts';

/** One item as --json and evidence files carry it: the two frames hex-encoded. */
export interface EvidenceItem {
  /** The correct replica that keeps it. */
  readonly holder: number;
  readonly culprit: number;
  readonly kind: EvidenceKind;
  /** v (or the view a VIEW-CHANGE asks for); absent for CHECKPOINT. */
  readonly view?: number;
  /** n; absent for VIEW-CHANGE. */
  readonly seq?: number;
  /** When the holder first kept it, simulated ms. */
  readonly atMs: number;
  /** Signed bytes then the 64-byte signature, each; hex. */
  readonly frames: readonly [string, string];
}

export class EvidenceLog {
  private readonly items: EvidenceItem[] = [];
  private readonly seen = new Set<string>();

  /** Returns whether this is the holder's first item against the culprit for the kind. */
  record(holder: number, evidence: Evidence, atMs: number): boolean {
    const key = `${holder}:${evidence.culprit}:${evidence.kind}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    // With atMs given, every field of EvidenceItem is set.
    this.items.push(evidenceFileItem(holder, evidence, atMs) as EvidenceItem);
    return true;
  }

  list(): readonly EvidenceItem[] {
    return this.items;
  }
}

/** "PREPARE v=0 n=3", "CHECKPOINT n=200", "VIEW-CHANGE v=2": the slot an item is about. */
export function describeSlot(item: { readonly kind: EvidenceKind; readonly view?: number | undefined; readonly seq?: number | undefined }): string {
  const view = item.view === undefined ? '' : ` v=${item.view}`;
  const seq = item.seq === undefined ? '' : ` n=${item.seq}`;
  return `${item.kind.toUpperCase()}${view}${seq}`;
}

/** The trace line's text: "EVIDENCE against 0: PRE-PREPARE v=0 n=3 (two signed frames, 200 bytes)". */
export function describeEvidence(evidence: Evidence): string {
  const bytes = evidence.frames[0].length + evidence.frames[1].length;
  return `EVIDENCE against ${evidence.culprit}: ${describeSlot(evidence)} (two signed frames, ${bytes} bytes)`;
}

/** "2 items against replica 0 (pre-prepare, commit)": the summary line's clause; '' when there are none. */
export function summarizeEvidence(items: readonly EvidenceItem[]): string {
  if (items.length === 0) return '';
  const byCulprit = new Map<number, Set<EvidenceKind>>();
  for (const item of items) byCulprit.set(item.culprit, (byCulprit.get(item.culprit) ?? new Set()).add(item.kind));
  const culprits = [...byCulprit.keys()].sort((a, b) => a - b).map((culprit) => `replica ${culprit} (${[...byCulprit.get(culprit)!].sort().join(', ')})`);
  return `evidence: ${items.length} item${items.length === 1 ? '' : 's'} against ${culprits.join(', ')}`;
}
