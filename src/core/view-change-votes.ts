// The latest valid VIEW-CHANGE from each replica (OSDI'99 §4.4–4.5.2): enough to count
// 2f+1 for a view and to see when f+1 replicas want a view above ours.
import type { Signed, ViewChange } from './messages.ts';

export class ViewChangeVotes {
  private readonly latest = new Map<number, Signed<ViewChange>>();

  has(replica: number): boolean {
    return this.latest.has(replica);
  }

  /** Records a VIEW-CHANGE if it is for a higher view than the sender's last; returns whether it was. */
  record(signed: Signed<ViewChange>): boolean {
    const known = this.latest.get(signed.message.replica);
    if (known !== undefined && known.message.newView >= signed.message.newView) return false;
    this.latest.set(signed.message.replica, signed);
    return true;
  }

  /** The latest VIEW-CHANGE of each replica, by sender. */
  all(): Signed<ViewChange>[] {
    return [...this.latest.values()].sort((a, b) => a.message.replica - b.message.replica);
  }

  /** Bytes of the VIEW-CHANGEs held: at most one per replica. */
  retainedBytes(): number {
    let total = 0;
    for (const signed of this.latest.values()) total += signed.frame.length;
    return total;
  }

  /** The newest VIEW-CHANGE of `replica`, if any. */
  latestFrom(replica: number): Signed<ViewChange> | undefined {
    return this.latest.get(replica);
  }

  /** The newest view `replica` asked for, if any. */
  latestView(replica: number): number | undefined {
    return this.latest.get(replica)?.message.newView;
  }

  /** How many replicas' latest VIEW-CHANGE asks for `view` or a later one. */
  countAtLeast(view: number): number {
    let count = 0;
    for (const signed of this.latest.values()) if (signed.message.newView >= view) count++;
    return count;
  }

  /** VIEW-CHANGEs for `view`, sorted by sender (deterministic V). */
  forView(view: number): Signed<ViewChange>[] {
    return [...this.latest.values()].filter((signed) => signed.message.newView === view).sort((a, b) => a.message.replica - b.message.replica);
  }

  /**
   * §4.5.2: if f+1 other replicas ask for views above `view`, at least one of them is
   * correct: the smallest view of such a set, i.e. the (f+1)-th highest.
   */
  joinTarget(view: number, self: number, weakQuorum: number): number | undefined {
    const views = [...this.latest.entries()]
      .filter(([replica, signed]) => replica !== self && signed.message.newView > view)
      .map(([, signed]) => signed.message.newView)
      .sort((a, b) => b - a);
    return views[weakQuorum - 1];
  }
}
