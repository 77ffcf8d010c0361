// Keeps one outbound link to a member alive: dial, and after every failure or close dial
// again after a jittered exponential backoff (base·2^attempt, capped, times a random
// factor in [0.5, 1.5) so restarted peers are not hit in lockstep). It never gives up on a
// member; the backoff resets once a link authenticates.
import { connect } from 'node:net';

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 3000 };

/** Delay before attempt `attempt` (0 = first retry). */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped * (0.5 + random()));
}

export class Dialer {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** Wraps the socket in a link; must call `closed()` when that link ends and `opened()` when it authenticates. */
    private readonly onSocket: (socket: ReturnType<typeof connect>) => void,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  start(): void {
    this.dial();
  }

  opened(): void {
    this.attempt = 0;
  }

  closed(): void {
    if (this.stopped) return;
    const delayMs = backoffDelayMs(this.attempt++, this.backoff);
    this.timer = setTimeout(() => this.dial(), delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private dial(): void {
    if (this.stopped) return;
    this.onSocket(connect({ host: this.host, port: this.port }));
  }
}
