// The message log file (`--message-log FILE`, format in picture/message-log-format.ts): an
// opt-in diagnostic, not a durability path. Lines are buffered and written by one async
// write at a time, so the event loop never waits on the disk; what a SIGKILL catches in the
// buffer is lost, and close() (SIGTERM) writes the rest. Two bounds: the file stops growing
// at `maxBytes` (one last "capped" line says so), and when the disk falls behind by more
// than PENDING_MAX_BYTES, lines are skipped and counted rather than held in memory.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, write } from 'node:fs';
import { FRAME_ID_HEX } from '../picture/message-log-format.ts';

/** Default for --message-log-max-bytes: a few hours of a busy replica. */
export const DEFAULT_MESSAGE_LOG_MAX_BYTES = 256 * 1024 * 1024;

/** Lines waiting for the disk beyond this are skipped (the disk cannot keep up). */
const PENDING_MAX_BYTES = 16 * 1024 * 1024;

export type LogRecord = Record<string, unknown> & { readonly e: string };

/**
 * Wall-clock ms with µs precision (loopback messages take well under a millisecond): the
 * process's start on the wall clock plus the monotonic clock since, so a clock step during
 * the run does not reorder its lines.
 */
export function wallClockMs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;
}

/** The id sender and receiver both compute for a frame. */
export function frameId(frame: Uint8Array): string {
  return createHash('sha256').update(frame).digest('hex').slice(0, FRAME_ID_HEX);
}

export class MessageLogFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing = false;
  private scheduled = false;
  private stopped = false;
  private closed = false;
  private skipped = 0;
  private drained: (() => void)[] = [];

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private bytes: number,
    private readonly maxBytes: number,
    private readonly onProblem: (problem: string) => void,
  ) {}

  /**
   * Opens `path` for appending (a restarted process adds its lines after the last run's).
   * Throws an Error naming the path if it cannot be opened. `onProblem` hears, once, that
   * the log stopped (its cap, a write error).
   */
  static open(path: string, maxBytes: number, onProblem: (problem: string) => void): MessageLogFile {
    let fd: number;
    try {
      fd = openSync(path, 'a');
    } catch (error) {
      throw new Error(`${path}: cannot open for appending: ${(error as Error).message}`);
    }
    const log = new MessageLogFile(path, fd, fstatSync(fd).size, maxBytes, onProblem);
    if (log.bytes >= maxBytes) log.stop(`${path} already holds ${log.bytes} bytes, its cap is ${maxBytes}: nothing more is logged`);
    return log;
  }

  /** Whether lines are still being taken. */
  get open(): boolean {
    return !this.stopped;
  }

  write(record: LogRecord): void {
    if (this.stopped) return;
    const line = `${JSON.stringify(record)}\n`;
    const size = Buffer.byteLength(line);
    if (this.bytes + size > this.maxBytes) {
      // The one line past the cap: the reader learns the log ends here on purpose.
      this.enqueue(`${JSON.stringify({ at: record['at'], e: 'capped', bytes: this.bytes })}\n`);
      return this.stop(`${this.path} reached its cap of ${this.maxBytes} bytes: nothing more is logged`);
    }
    if (this.pendingBytes + size > PENDING_MAX_BYTES) {
      this.skipped++;
      return;
    }
    if (this.skipped > 0) {
      this.enqueue(`${JSON.stringify({ at: record['at'], e: 'skipped', lines: this.skipped })}\n`);
      this.skipped = 0;
    }
    this.enqueue(line);
  }

  /** Writes what is buffered, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopped = true;
    if (this.writing || this.pending.length > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private enqueue(line: string): void {
    const size = Buffer.byteLength(line);
    this.pending.push(line);
    this.pendingBytes += size;
    this.bytes += size;
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    // After this turn's other lines: one write per turn, not one per line.
    setImmediate(() => this.flush());
  }

  private stop(problem: string): void {
    this.stopped = true;
    this.onProblem(problem);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return this.settle();
    const buffer = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = true;
    this.writeAll(buffer, 0);
  }

  private writeAll(buffer: Buffer, offset: number): void {
    write(this.fd, buffer, offset, buffer.length - offset, null, (error, written) => {
      if (error !== null) {
        this.writing = false;
        this.pending = [];
        if (!this.stopped) this.stop(`${this.path}: write failed, nothing more is logged: ${error.message}`);
        return this.settle();
      }
      if (offset + written < buffer.length) return this.writeAll(buffer, offset + written);
      this.writing = false;
      if (this.pending.length > 0) return this.flush();
      this.settle();
    });
  }

  private settle(): void {
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
