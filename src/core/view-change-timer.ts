// The view-change timer (OSDI'99 §4.4, §4.5.2). A backup runs it while a request it
// holds waits to execute; if it fires, the backup suspects the primary and starts a view
// change. Between views it runs for the NEW-VIEW. Its length T doubles after a view
// change that failed and returns to T once a request executes in the new view.

/** The request the timer runs for: it stops when that request executes (§4.4). */
export interface TimedRequest {
  readonly client: number;
  readonly timestamp: number;
}

export class ViewChangeTimer {
  private deadline: number | undefined;
  private timed: TimedRequest | undefined;
  private lengthMs: number;
  /** Whether a request executed since this view began (resets the timeout to T). */
  private executedInCurrentView = true;

  constructor(
    private readonly initialTimeoutMs: number,
    private readonly maxTimeoutMs: number,
  ) {
    this.lengthMs = initialTimeoutMs;
  }

  /** When the timer fires, if running. */
  get deadlineMs(): number | undefined {
    return this.deadline;
  }

  /** Undefined while the timer waits for a NEW-VIEW, or is stopped. */
  get timedRequest(): TimedRequest | undefined {
    return this.timed;
  }

  get executedInView(): boolean {
    return this.executedInCurrentView;
  }

  expired(nowMs: number): boolean {
    return this.deadline !== undefined && nowMs >= this.deadline;
  }

  /** Runs the timer for `request` from now, or stops it when none is given. */
  start(nowMs: number, request: TimedRequest | undefined): void {
    this.timed = request;
    this.deadline = request === undefined ? undefined : nowMs + this.lengthMs;
  }

  /** §4.5.2: between views, the timer runs for the NEW-VIEW once 2f+1 want the view. */
  startIfStopped(nowMs: number): void {
    this.deadline ??= nowMs + this.lengthMs;
  }

  stop(): void {
    this.deadline = undefined;
    this.timed = undefined;
  }

  /** A view change began: the timer stops, and the new view has executed nothing yet. */
  viewChangeStarted(): void {
    this.executedInCurrentView = false;
    this.stop();
  }

  /** §4.5.2: the view change failed; the next one waits twice as long (up to the cap). */
  doubleTimeout(): void {
    this.lengthMs = Math.min(this.lengthMs * 2, this.maxTimeoutMs);
  }

  /** §4.5.2: a request executed in the new view; the timeout is T again. */
  noteExecuted(): void {
    if (this.executedInCurrentView) return;
    this.executedInCurrentView = true;
    this.lengthMs = this.initialTimeoutMs;
  }
}
