// Prepared certificates by sequence number, from the highest view in which each prepared
// here (OSDI'99 §4.4). They live outside the log so that they survive view changes,
// including ones that fail: VIEW-CHANGE P is built from them.
import { bytesEqual } from './bytes.ts';
import { headerOf } from './encoding.ts';
import type { LogEntry } from './log.ts';
import type { PreparedCertificate } from './messages.ts';

export class PreparedCertificates {
  private readonly bySeq = new Map<number, PreparedCertificate>();

  /**
   * Keeps the certificate of a prepared entry, unless one from a higher view is held; returns
   * it if kept. `keepFirst` (the 'p-not-latest' flaw, flaws.ts) keeps whichever came first.
   */
  record(entry: LogEntry, preparesNeeded: number, keepFirst = false): PreparedCertificate | undefined {
    const prePrepare = entry.prePrepare!;
    const digest = prePrepare.message.digest;
    const known = this.bySeq.get(entry.seq);
    if (known !== undefined && (keepFirst || known.prePrepare.message.view > entry.view)) return undefined;
    const voters = entry.prepares.voters((vote) => bytesEqual(vote.message.digest, digest)).slice(0, preparesNeeded);
    const certificate = { prePrepare: headerOf(prePrepare), prepares: voters.map((replica) => entry.prepares.get(replica)!) };
    this.bySeq.set(entry.seq, certificate);
    return certificate;
  }

  /** A certificate read back from the WAL (durability.ts), under the same highest-view rule. */
  keep(certificate: PreparedCertificate): void {
    const seq = certificate.prePrepare.message.seq;
    const known = this.bySeq.get(seq);
    if (known === undefined || known.prePrepare.message.view < certificate.prePrepare.message.view) this.bySeq.set(seq, certificate);
  }

  /** P of a VIEW-CHANGE: certificates for low < n ≤ high, in sequence order. */
  within(low: number, high: number): PreparedCertificate[] {
    return [...this.bySeq.values()]
      .filter(({ prePrepare }) => prePrepare.message.seq > low && prePrepare.message.seq <= high)
      .sort((a, b) => a.prePrepare.message.seq - b.prePrepare.message.seq);
  }

  discardThrough(seq: number): void {
    for (const certified of this.bySeq.keys()) if (certified <= seq) this.bySeq.delete(certified);
  }
}
