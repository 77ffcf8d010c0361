// A robust primary (Aardvark, Clement et al., NSDI'09 §4.3), off unless
// robustPrimaryPercent is set. PBFT suspects a primary only when one request waits longer
// than T (OSDI'99 §4.4), so a primary that orders everything just under T (the
// slow-primary adversary), or starves chosen clients just under T (censor 'delay'), keeps
// its job while throughput falls several-fold. Aardvark's backups also expect the primary
// to perform, and vote it out when it does not. This backup-side monitor adds two rules:
//
// - Throughput ("adaptive view change", §4.3): the backup counts, per window of T/2, the
//   requests of each client it executes; the window's rate is the median of those counts,
//   a per-client rate that a drop in demand (fewer clients at work) does not lower and
//   one flooding client cannot raise. A window starts once there is demand (something
//   executed or waiting), so an idle start does not look slow. A view's rate is the mean
//   of its windows after a grace window (which pays for the view change, as Aardvark's
//   grace period does), and the rates of the last n views are remembered. Once a view has
//   WINDOWS_JUDGED windows, a rate below robustPrimaryPercent of the best remembered one
//   is a vote against its primary ('slow-primary'). Aardvark demands 90% of the max of the
//   last n views under a steady load; a closed-loop workload swings far more (fault-free
//   lockseq windows of 4 clients ran from 1 to 9 around a mean of 4), so 30 is the setting
//   tests use, while a primary that holds each PRE-PREPARE for 0.9 T runs at about 12%.
//   With nothing remembered (view 0 of a run) the backup gives the primary
//   WINDOWS_JUDGED windows with demand, then votes once anyway, so that another primary
//   sets the bar. Aardvark rotates primaries by raising the bar during a view; this one
//   rotation stands in for it. Not done: the raise itself, so with f > 1 two slow
//   primaries in a row (views 0 and 1) leave a low bar until a correct primary's view
//   is remembered.
// - Fairness (§4.3, "each client's request ordered promptly"): a backup holding client c's
//   request that sees FAIRNESS_LIMIT requests of one other client execute in batches
//   ordered after c's started waiting (above every sequence number it then knew of, from
//   its log or its peers' STATUS) votes 'unfair-primary'. Three allows one request of the
//   other client that was in flight unseen and one queued behind it. Counting by
//   sequence number, not by time, matters on a lossy network: a backup catching up
//   executes a burst of batches ordered long before, which starve nobody. And the first
//   time a request looks starved the backup only relays it to the primary again and
//   starts counting afresh: its relay may have been lost (§4.1), and a client that
//   believes in an old view sends to one backup alone, so nobody else relays it.
//
// Safety does not depend on any of this: these rules only start view changes, which are
// always safe (§4.5.1); what they risk is liveness, views changed too often, and a vote
// is only counted once f+1 replicas agree (§4.5.2), so one confused backup cannot force it.
// Pure: time arrives as nowMs.
import type { SignedRequest } from './messages.ts';
import { primaryOf } from './quorum.ts';
import type { Replica } from './replica.ts';
import { startViewChange } from './view-change.ts';

/** Requests of one other client that may execute while a request waits (see above). */
export const FAIRNESS_LIMIT = 3;

/**
 * Windows a view's rate is averaged over before it is judged: one window of a
 * closed-loop workload swings from a quarter to twice the mean (lockseq, 4 clients).
 */
export const WINDOWS_JUDGED = 2;

/** Why the monitor wants the primary replaced (the reason of the VIEW-CHANGE event). */
export type PrimaryComplaint = 'slow-primary' | 'unfair-primary';

/** What the monitor reads of its replica; the replica passes itself. */
export interface MonitoredReplica {
  readonly view: number;
  readonly active: boolean;
  readonly isPrimary: boolean;
  readonly waiting: ReadonlyMap<number, { readonly timestamp: number }>;
  readonly lastExecuted: number;
  readonly log: { readonly highestSeq: number };
  /** The lastExecuted each peer last reported in STATUS. */
  readonly reportedExecuted: ReadonlyMap<number, number>;
  /** f+1. */
  readonly weakQuorum: number;
}

export class PrimaryMonitor {
  /** The per-client rate of each recent view, newest last, at most `viewsRemembered`. */
  private readonly recentViewRates: number[] = [];
  private view = -1;
  /** The rate of each window of this view after its grace window; their mean is the view's. */
  private readonly viewRates: number[] = [];
  private windowStartMs = 0;
  /** Requests executed in the current window, per client. */
  private readonly windowCounts = new Map<number, number>();
  private windowHadDemand = false;
  /** Windows closed in the current view: the first is its grace window. */
  private windowsInView = 0;
  /** The highest sequence number known when the current view began: the fairness rule starts above it. */
  private viewStartSeq = 0;
  /** Per client, the sequence numbers of its last FAIRNESS_LIMIT executions, oldest first (one entry per client, as in the client table). */
  private readonly recentExecutions = new Map<number, number[]>();
  /** Waiting requests by client: t and the highest sequence number known when it began waiting; oldest first. */
  private readonly waitingSince = new Map<number, { readonly timestamp: number; readonly aboveSeq: number; readonly relayedAgain: boolean }>();
  private complaint: PrimaryComplaint | undefined;
  /** Clients whose waiting request should go to the primary again (see the header). */
  private relays: number[] = [];

  constructor(
    private readonly percent: number,
    private readonly windowMs: number,
    private readonly viewsRemembered: number,
  ) {
    if (!(percent > 0 && percent <= 100)) throw new Error(`robustPrimaryPercent must be in 1..100, got ${percent}`);
  }

  /** requests.ts: client's request t started waiting here (§4.4). */
  noteWaiting(replica: MonitoredReplica, client: number, timestamp: number): void {
    const known = this.waitingSince.get(client);
    if (known !== undefined && known.timestamp >= timestamp) return;
    this.waitingSince.delete(client);
    this.waitingSince.set(client, { timestamp, aboveSeq: highestKnownSeq(replica), relayedAgain: false });
  }

  /** execution.ts: a committed batch executed here. */
  noteExecuted(replica: MonitoredReplica, seq: number, batch: readonly SignedRequest[], nowMs: number): void {
    this.follow(replica, nowMs);
    for (const { message } of batch) {
      this.windowCounts.set(message.client, (this.windowCounts.get(message.client) ?? 0) + 1);
      const since = this.waitingSince.get(message.client);
      if (since !== undefined && since.timestamp <= message.timestamp) this.waitingSince.delete(message.client);
      const recent = this.recentExecutions.get(message.client) ?? [];
      recent.push(seq);
      if (recent.length > FAIRNESS_LIMIT) recent.shift();
      this.recentExecutions.set(message.client, recent);
      if (recent.length === FAIRNESS_LIMIT && this.starvesSomeone(replica, message.client, recent[0]!, seq)) this.complain(replica, 'unfair-primary');
    }
  }

  /**
   * replica.ts onTick: closes the throughput window when due. Returns a complaint once
   * per view, when this backup should vote the primary out.
   */
  onTick(replica: MonitoredReplica, nowMs: number): PrimaryComplaint | undefined {
    this.follow(replica, nowMs);
    if (replica.waiting.size > 0) this.windowHadDemand = true;
    // A window starts with demand: an idle start (the run's first clients, a lull) would
    // make a full window look slow.
    if (!this.windowHadDemand && this.windowCounts.size === 0) this.windowStartMs = nowMs;
    if (nowMs - this.windowStartMs >= this.windowMs) this.closeWindow(replica, nowMs);
    const complaint = this.complaint;
    this.complaint = undefined;
    return complaint;
  }

  /** A new view (or the replica left one): windows and fairness start afresh for its primary. */
  private follow(replica: MonitoredReplica, nowMs: number): void {
    if (replica.view === this.view && replica.active) return;
    // A view that executed nothing sets no bar: every primary would meet it.
    if (this.viewRates.length > 0 && mean(this.viewRates) > 0) this.remember(mean(this.viewRates));
    this.viewRates.length = 0;
    this.view = replica.active ? replica.view : -1;
    this.viewStartSeq = highestKnownSeq(replica);
    this.windowsInView = 0;
    this.startWindow(nowMs);
  }

  private remember(rate: number): void {
    this.recentViewRates.push(rate);
    if (this.recentViewRates.length > this.viewsRemembered) this.recentViewRates.shift();
  }

  private startWindow(nowMs: number): void {
    this.windowStartMs = nowMs;
    this.windowCounts.clear();
    this.windowHadDemand = false;
  }

  private closeWindow(replica: MonitoredReplica, nowMs: number): void {
    const demand = this.windowHadDemand || this.windowCounts.size > 0;
    const rate = lowerMedian([...this.windowCounts.values()]);
    this.startWindow(nowMs);
    if (!demand) return;
    this.windowsInView++;
    if (this.recentViewRates.length === 0) {
      // Nothing to compare with. In view 0, WINDOWS_JUDGED windows with demand, then
      // another primary sets the bar (header); in a later view (a replica that restarted,
      // or one that led view 0 and saw no demand) it only learns the bar, and judges the
      // next view.
      this.viewRates.push(rate);
      if (replica.view === 0 && this.viewRates.length >= WINDOWS_JUDGED) this.complain(replica, 'slow-primary');
      return;
    }
    if (this.windowsInView === 1) return; // The grace window.
    this.viewRates.push(rate);
    if (this.viewRates.length < WINDOWS_JUDGED) return;
    if (mean(this.viewRates) * 100 < this.percent * Math.max(...this.recentViewRates)) this.complain(replica, 'slow-primary');
  }

  /**
   * Whether the oldest request waiting from a client other than `client` began waiting
   * below `sinceSeq`, where `client`'s last FAIRNESS_LIMIT executions began; `seq` is
   * the batch executing now.
   */
  private starvesSomeone(replica: MonitoredReplica, client: number, sinceSeq: number, seq: number): boolean {
    for (const [waiter, entry] of this.waitingSince) {
      // Forgotten elsewhere (executed, or dropped at a view change): not waiting any more.
      if (replica.waiting.get(waiter)?.timestamp !== entry.timestamp) {
        this.waitingSince.delete(waiter);
        continue;
      }
      if (waiter === client) continue;
      if (Math.max(entry.aboveSeq, this.viewStartSeq) >= sinceSeq) return false;
      if (entry.relayedAgain) return true;
      // Re-inserted at the end: entries stay in order of aboveSeq.
      this.waitingSince.delete(waiter);
      this.waitingSince.set(waiter, { ...entry, aboveSeq: Math.max(highestKnownSeq(replica), seq), relayedAgain: true });
      this.relays.push(waiter);
      return false;
    }
    return false;
  }

  /** Clients whose waiting request the backup should relay to the primary again, once each. */
  takeRelays(): number[] {
    const relays = this.relays;
    this.relays = [];
    return relays;
  }

  /** Only an active backup complains, and only once per view: its vote leaves the view (§4.4). */
  private complain(replica: MonitoredReplica, complaint: PrimaryComplaint): void {
    if (!replica.active || replica.isPrimary) return;
    this.complaint ??= complaint;
  }
}

/** The lower median, 0 for none: @example lowerMedian([1, 9, 4, 7]) // 4 */
export function lowerMedian(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * The highest sequence number this replica knows was assigned: in its log, executed, or
 * executed by peers. A peer's STATUS is its word alone, so only a value f+1 peers reached
 * counts (then one correct replica vouches for it): one faulty replica reporting 2^40
 * would otherwise put every starving request's count out of reach.
 */
function highestKnownSeq(replica: MonitoredReplica): number {
  const own = Math.max(replica.log.highestSeq, replica.lastExecuted);
  const reported = [...replica.reportedExecuted.values()].sort((a, b) => b - a);
  const vouched = reported[replica.weakQuorum - 1] ?? 0;
  return Math.max(own, vouched);
}

/** replica.ts onTick, when the monitor is on: relays what looks starved, and votes on a complaint. */
export function monitorPrimary(replica: Replica, monitor: PrimaryMonitor, nowMs: number): void {
  const complaint = monitor.onTick(replica, nowMs);
  for (const client of monitor.takeRelays()) {
    const request = replica.waiting.get(client)?.request;
    if (request !== undefined && replica.active && !replica.isPrimary) replica.send({ kind: 'replica', id: primaryOf(replica.view, replica.config.n) }, request);
  }
  if (complaint !== undefined && replica.active) startViewChange(replica, replica.view + 1, complaint, nowMs);
}
