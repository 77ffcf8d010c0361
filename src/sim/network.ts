// The simulated network. Defaults follow the original Pancydb simulator: 1 ms to
// send, 5 ms on the link, 1 ms to receive, and each channel drops a message with
// probability `loss`. On top: jitter, reordering (an extra random delay for some
// messages), duplication, partitions between sets of replicas and slow links into some
// replicas for a time window, and crashes. Every random draw comes from the run's Rng.
import type { Peer } from '../core/gateway.ts';
import type { Rng } from './rng.ts';

export interface Partition {
  readonly fromMs: number;
  readonly untilMs: number;
  /** Replicas in different groups cannot talk; a replica in no group keeps its links. */
  readonly groups: readonly (readonly number[])[];
}

export interface Crash {
  readonly replica: number;
  readonly atMs: number;
  /**
   * If set, the replica comes back then. It keeps its (simulated) disk: what it synced
   * survives, unsynced records are lost and the last may be torn (src/storage/).
   */
  readonly restartAtMs?: number;
  /** Comes back with its disk lost too: no memory of what it signed (core/restart-guard.ts). */
  readonly amnesia?: boolean;
}

/**
 * Slow links into some replicas for a time window: a message another replica sends to one
 * of `to` in [fromMs, untilMs) takes `delayMs` longer. Those replicas hear every vote late,
 * so they execute late, together: a group of correct replicas that lags the rest by about
 * delayMs, without a fault. Clients keep their links, as with partitions.
 */
export interface SlowLink {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly to: readonly number[];
  readonly delayMs: number;
}

/** A replica whose every outgoing message is lost in [fromMs, untilMs): it hears but says nothing. */
export interface Silence {
  readonly replica: number;
  readonly fromMs: number;
  readonly untilMs: number;
}

export interface NetworkOptions {
  readonly sendMs: number;
  readonly linkMs: number;
  readonly receiveMs: number;
  readonly loss: number;
  /** Loss applies to messages sent before this time only (the whole run when absent): a lossy fault window that ends, after which the network is partially synchronous. */
  readonly lossUntilMs?: number;
  readonly jitterMs: number;
  /** Probability that a message is held back by up to `reorderMs` more, overtaking order. */
  readonly reorder: number;
  readonly reorderMs: number;
  readonly duplicate: number;
  readonly partitions: readonly Partition[];
  /** None when absent. */
  readonly slowLinks?: readonly SlowLink[];
  readonly crashes: readonly Crash[];
  readonly silences: readonly Silence[];
}

export const DEFAULT_NETWORK: NetworkOptions = {
  sendMs: 1,
  linkMs: 5,
  receiveMs: 1,
  loss: 0,
  jitterMs: 0,
  reorder: 0,
  reorderMs: 20,
  duplicate: 0,
  partitions: [],
  crashes: [],
  silences: [],
};

export type Fate = { readonly delivered: readonly number[] } | { readonly lost: 'loss' | 'partition' | 'crashed' | 'silent' };

export class Network {
  constructor(
    private readonly options: NetworkOptions,
    private readonly rng: Rng,
  ) {}

  isCrashed(peer: Peer, nowMs: number): boolean {
    return (
      peer.kind === 'replica' &&
      this.options.crashes.some((crash) => crash.replica === peer.id && nowMs >= crash.atMs && nowMs < (crash.restartAtMs ?? Infinity))
    );
  }

  /** Whether a message sent now from `from` to `to` arrives, and when (several times if duplicated). */
  transmit(from: Peer, to: Peer, nowMs: number): Fate {
    if (this.isCrashed(from, nowMs)) return { lost: 'crashed' };
    if (this.isSilent(from, nowMs)) return { lost: 'silent' };
    if (this.partitioned(from, to, nowMs)) return { lost: 'partition' };
    // No draw once loss has ended: the stream before then is the one a run without an end draws.
    if ((this.options.lossUntilMs === undefined || nowMs < this.options.lossUntilMs) && this.rng.chance(this.options.loss)) return { lost: 'loss' };
    const slowMs = this.slowLinkMs(from, to, nowMs);
    const delivered = [nowMs + slowMs + this.delayMs()];
    if (this.rng.chance(this.options.duplicate)) delivered.push(nowMs + slowMs + this.delayMs());
    return { delivered };
  }

  /** The extra delay of slow links on a replica-to-replica message sent now (no draw: runs without them are unchanged). */
  private slowLinkMs(from: Peer, to: Peer, nowMs: number): number {
    if (from.kind !== 'replica' || to.kind !== 'replica') return 0;
    let extraMs = 0;
    for (const slow of this.options.slowLinks ?? []) {
      if (nowMs >= slow.fromMs && nowMs < slow.untilMs && slow.to.includes(to.id) && !slow.to.includes(from.id)) extraMs += slow.delayMs;
    }
    return extraMs;
  }

  private delayMs(): number {
    const { sendMs, linkMs, receiveMs, jitterMs, reorder, reorderMs } = this.options;
    let delay = sendMs + linkMs + receiveMs;
    if (jitterMs > 0) delay += this.rng.next() * jitterMs;
    if (this.rng.chance(reorder)) delay += this.rng.next() * reorderMs;
    return delay;
  }

  private isSilent(peer: Peer, nowMs: number): boolean {
    return peer.kind === 'replica' && this.options.silences.some((silence) => silence.replica === peer.id && nowMs >= silence.fromMs && nowMs < silence.untilMs);
  }

  /** Partitions cut links between replicas only; clients keep their links. */
  private partitioned(from: Peer, to: Peer, nowMs: number): boolean {
    if (from.kind !== 'replica' || to.kind !== 'replica') return false;
    for (const partition of this.options.partitions) {
      if (nowMs < partition.fromMs || nowMs >= partition.untilMs) continue;
      const fromGroup = partition.groups.findIndex((group) => group.includes(from.id));
      const toGroup = partition.groups.findIndex((group) => group.includes(to.id));
      if (fromGroup !== -1 && toGroup !== -1 && fromGroup !== toGroup) return true;
    }
    return false;
  }
}
