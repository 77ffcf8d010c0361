// Evidence of equivocation across a replica process's restarts: DATA/evidence.json, in the
// pancydb-evidence/v1 format of src/check/evidence-file.ts, holding what the replica's
// EquivocationDetector keeps (src/core/evidence.ts): at most one item per culprit and kind.
//
// Written whole on every new item, atomically (storage/atomic-file.ts): a crash leaves the
// old file or the new one, never half of one. New items are rare (at most 5 per other replica over the process's life) and the
// file small (bounded by evidenceByteBound), so the write is synchronous.
//
// Read back on start, and trusted no more than any evidence file: every item must pass the
// offline check (src/check/evidence-verify.ts) with the cluster's public keys, so a file
// that was edited, damaged or copied from elsewhere cannot make /status accuse anyone. A
// file that cannot be read as evidence, or holds an item that fails the check, is moved
// aside to evidence.json.bad (one such file, the latest) and reported on the log; the
// items that passed are kept and written back. Nothing here throws: evidence is a report,
// and a replica must not stop over it.
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { evidenceFileItem, evidenceFileText, fromHexFrame, parseEvidenceFile } from '../check/evidence-file.ts';
import { verifyEvidence, type EvidenceKeys } from '../check/evidence-verify.ts';
import { EVIDENCE_KINDS, evidenceByteBound, type Evidence, type EquivocationDetector } from '../core/evidence.ts';
import type { Crypto } from '../crypto/crypto.ts';
import { temporaryPathOf, writeFileAtomically } from '../storage/atomic-file.ts';
import type { ClusterConfig } from './cluster-config.ts';

/** A log line, as replica-node.ts's LogLine (not imported: that module imports this one). */
type Log = (line: Record<string, unknown> & { readonly event: string }) => void;

export interface EvidenceStoreOptions {
  /** DATA/evidence.json. */
  readonly path: string;
  /** This replica: the holder named in the file. */
  readonly holder: number;
  readonly cluster: Pick<ClusterConfig, 'clusterId' | 'parameters' | 'replicas'>;
  readonly crypto: Pick<Crypto, 'verify'>;
  readonly log: Log;
}

/**
 * The most bytes a file this replica writes can hold: every item's two frames in hex (twice
 * evidenceByteBound, which counts them and more), plus room for the JSON around them. A
 * larger file is not read: it cannot be ours.
 */
export function evidenceFileMaxBytes(parameters: Parameters<typeof evidenceByteBound>[0]): number {
  return 2 * evidenceByteBound(parameters) + 64 * 1024;
}

export class EvidenceStore {
  private readonly keys: EvidenceKeys;

  constructor(private readonly options: EvidenceStoreOptions) {
    const { cluster } = options;
    this.keys = { keyOf: (id) => cluster.replicas[id]?.publicKey, description: `cluster ${cluster.clusterId}` };
  }

  /** The file's items that pass the offline check, first per (culprit, kind); [] when there is none. */
  load(): Evidence[] {
    const { path } = this.options;
    // A temporary file left by a crash mid-write: the rename never happened, the file is the last whole one.
    removeQuietly(temporaryPathOf(path));
    if (!existsSync(path)) return [];
    const { items, problems, total } = this.read();
    if (problems.length > 0) {
      this.setAside(problems, total, items.length);
      if (items.length > 0) this.save(items);
    }
    return items;
  }

  /** Writes `items` as the whole file, atomically. A failure is logged; the next save tries again. */
  save(items: readonly Evidence[]): void {
    const { path, holder, cluster } = this.options;
    const text = evidenceFileText({ kind: 'cluster', clusterId: cluster.clusterId }, items.map((evidence) => evidenceFileItem(holder, evidence)));
    try {
      writeFileAtomically(path, text, { fsync: true, mode: 0o644 });
    } catch (error) {
      removeQuietly(temporaryPathOf(path));
      this.options.log({ event: 'evidence-save-failed', file: path, items: items.length, error: (error as Error).message });
    }
  }

  private read(): { items: Evidence[]; problems: string[]; total: number } {
    const { path, cluster, holder, crypto } = this.options;
    const maxBytes = evidenceFileMaxBytes(cluster.parameters);
    let text: string;
    try {
      const stat = statSync(path);
      // Never opened otherwise: a FIFO would block the start, a device never end.
      if (!stat.isFile()) return { items: [], problems: ['not a regular file'], total: 0 };
      const size = stat.size;
      if (size > maxBytes) return { items: [], problems: [`${size} bytes, more than the ${maxBytes} a file of this replica's can hold`], total: 0 };
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return { items: [], problems: [`cannot read it: ${(error as Error).message}`], total: 0 };
    }
    const parsed = parseEvidenceFile(text);
    if ('problem' in parsed) return { items: [], problems: [parsed.problem], total: 0 };
    if (parsed.source?.kind !== 'cluster' || parsed.source.clusterId !== cluster.clusterId) return { items: [], problems: ['source: not this cluster'], total: parsed.evidence.length };
    // One item per (culprit, kind) and no accusation of itself: more cannot be ours, and
    // each item costs two signature checks.
    const most = (cluster.parameters.n - 1) * EVIDENCE_KINDS.length;
    if (parsed.evidence.length > most) return { items: [], problems: [`${parsed.evidence.length} items, more than the ${most} this replica keeps`], total: parsed.evidence.length };
    const items: Evidence[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const [index, item] of parsed.evidence.entries()) {
      const frames: [Uint8Array, Uint8Array] = [fromHexFrame(item.frames[0]), fromHexFrame(item.frames[1])];
      const verdict = verifyEvidence(frames, this.keys, crypto);
      const key = 'problem' in verdict ? '' : `${verdict.culprit}:${verdict.kind}`;
      if ('problem' in verdict) problems.push(`item ${index}: ${verdict.problem}`);
      else if (verdict.culprit === holder) problems.push(`item ${index}: accuses this replica`);
      else if (seen.has(key)) problems.push(`item ${index}: a second item against replica ${verdict.culprit} (${verdict.kind})`);
      else {
        seen.add(key);
        items.push({ culprit: verdict.culprit, kind: verdict.kind, view: verdict.view, seq: verdict.seq, frames });
      }
    }
    return { items, problems, total: parsed.evidence.length };
  }

  /** Moves the file to PATH.bad (replacing an older one) and says why; never throws. */
  private setAside(problems: readonly string[], total: number, kept: number): void {
    const { path, log } = this.options;
    const aside = `${path}.bad`;
    try {
      rmSync(aside, { force: true, recursive: true });
      renameSync(path, aside);
      log({ event: 'evidence-file-set-aside', file: path, movedTo: aside, items: total, kept, problems: problems.slice(0, 5) });
    } catch (error) {
      log({ event: 'evidence-file-set-aside', file: path, movedTo: null, error: (error as Error).message, items: total, kept, problems: problems.slice(0, 5) });
    }
  }
}

/**
 * The store for a replica process with a data directory, its items already restored into
 * `detector`; undefined without one (`--durability none` writes nothing).
 */
export function restoreEvidence(detector: EquivocationDetector, options: EvidenceStoreOptions | undefined): EvidenceStore | undefined {
  if (options === undefined) return undefined;
  const store = new EvidenceStore(options);
  const restored = store.load().filter((evidence) => detector.restore(evidence));
  const culprits = [...new Set(restored.map((evidence) => evidence.culprit))].sort((a, b) => a - b);
  if (restored.length > 0) options.log({ event: 'evidence-restored', file: options.path, items: restored.length, culprits });
  return store;
}

/** Removes a file or directory if it is there; a failure only means it stays. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true, recursive: true });
  } catch {
    // Left in place: the next write replaces it, or fails and says so.
  }
}
