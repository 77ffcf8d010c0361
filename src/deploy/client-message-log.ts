// What a client writes to its message log (connect(…, { messageLog }), `pancydb client
// --message-log FILE`): each operation's call and return, for the picture's bars and the
// linearizability check, and each frame sent and received. A `pancydb client` is one
// process per operation, so it appends: one session per invocation.
import { Client, type ClientInput, type ClientOutput } from '../core/client.ts';
import type { Operation, OperationResult } from '../core/operations.ts';
import { messageFields } from '../picture/message-fields.ts';
import { clippedText, laneOf, MESSAGE_LOG_FORMAT } from '../picture/message-log-format.ts';
import { frameId, wallClockMs, type MessageLogFile } from './message-log.ts';

export class ClientMessageLog {
  private nextOp = 0;
  /** Calls logged and not yet returned or abandoned. */
  private readonly open = new Set<number>();
  private readonly replicas: readonly string[];
  private ended = false;

  constructor(
    readonly file: MessageLogFile,
    private readonly id: number,
    n: number,
  ) {
    this.replicas = Array.from({ length: n }, (_, replica) => `r${replica}`);
  }

  start(clusterId: string): void {
    this.file.write({ at: wallClockMs(), e: 'start', format: MESSAGE_LOG_FORMAT, cluster: clusterId, member: `c${this.id}`, pid: process.pid });
  }

  /** Logs the call; returns its number for returned() or abandoned() (undefined after stop: it is refused). */
  call(operation: Operation): number | undefined {
    if (this.ended) return undefined;
    const op = this.nextOp++;
    this.open.add(op);
    this.file.write({ at: wallClockMs(), e: 'call', op, operation });
    return op;
  }

  returned(op: number, result: OperationResult): void {
    if (!this.open.delete(op)) return;
    this.file.write({ at: wallClockMs(), e: 'return', op, result });
  }

  /** The caller gave up on it (closed the client): its outcome is unknown. */
  abandoned(op: number, reason: string): void {
    if (!this.open.delete(op)) return;
    this.file.write({ at: wallClockMs(), e: 'abandon', op, reason: clippedText(reason) });
  }

  /** Every open call abandoned, then the session's clean end. */
  stop(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const op of [...this.open]) this.abandoned(op, reason);
    this.file.write({ at: wallClockMs(), e: 'stop', reason });
  }

  stepped(input: ClientInput, outputs: readonly ClientOutput[]): void {
    if (!this.file.open) return;
    const at = wallClockMs();
    if (input.kind === 'receive') {
      // The client core handles one frame per step: a drop here is this frame's.
      const drop = outputs.find((output) => output.kind === 'drop');
      this.file.write({ at, e: 'receive', from: laneOf(input.from), id: frameId(input.frame), ...(drop === undefined ? {} : { dropped: drop.reason, dropDetail: clippedText(drop.detail) }) });
    }
    for (const output of outputs) {
      if (output.kind !== 'send' && output.kind !== 'broadcast') continue;
      const to = output.kind === 'send' ? [`r${output.to}`] : this.replicas;
      this.file.write({ at, e: 'send', to, id: frameId(output.signed.frame), ...messageFields(output.signed.message, `c${this.id}`) });
    }
  }
}

/** The pure client, its every step told to the log. */
export class LoggedClient extends Client {
  constructor(
    config: Client['config'],
    private readonly messageLog: ClientMessageLog,
  ) {
    super(config);
  }

  override step(input: ClientInput): ClientOutput[] {
    const outputs = super.step(input);
    this.messageLog.stepped(input, outputs);
    return outputs;
  }
}
