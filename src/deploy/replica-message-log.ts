// What a replica process writes to its message log (`pancydb replica --message-log FILE`):
// each frame it sends, when it actually leaves (after the fsync that covers it, after an
// adversary's delay); each frame it receives, with the reason the gateway or the core
// dropped it, if it did; and its notable events. Nothing is decoded or verified again: a
// send's fields come from the message the core signed, a receive's from the core's outputs.
import type { AdversaryOutput } from '../adversary/adversary.ts';
import { evidenceFileItem } from '../check/evidence-file.ts';
import type { Peer } from '../core/gateway.ts';
import type { Signed } from '../core/messages.ts';
import type { ReplicaInput } from '../core/replica-io.ts';
import { laneEventOf } from '../picture/lane-events.ts';
import { messageFields } from '../picture/message-fields.ts';
import { clippedText, laneOf, MESSAGE_LOG_FORMAT } from '../picture/message-log-format.ts';
import { frameId, wallClockMs, type MessageLogFile } from './message-log.ts';

/** What replica-node.ts tells the log. */
export interface ReplicaMessageObserver {
  /** One input and the outputs it produced (a receive and whether it was dropped; events). */
  stepped(input: ReplicaInput, outputs: readonly AdversaryOutput[]): void;
  /** A frame leaving now, to one peer or to every other replica. */
  sent(to: Peer | 'replicas', signed: Signed): void;
}

export interface ReplicaSessionStart {
  readonly clusterId: string;
  readonly view: number;
  readonly lastExecuted: number;
  /** What it started from, as its ready line says ("new", "from disk (…)", "without memory"). */
  readonly started: string;
  /** A Byzantine replica: its adversary and the options as given. */
  readonly adversary?: { readonly name: string; readonly options: Readonly<Record<string, unknown>> };
}

export class ReplicaMessageLog implements ReplicaMessageObserver {
  private readonly others: readonly string[];

  constructor(
    readonly file: MessageLogFile,
    private readonly id: number,
    n: number,
  ) {
    this.others = Array.from({ length: n }, (_, replica) => `r${replica}`).filter((lane) => lane !== `r${id}`);
  }

  /** The session's first line: written before the replica listens, so every later line follows it. */
  start(session: ReplicaSessionStart): void {
    const { clusterId, view, lastExecuted, started, adversary } = session;
    this.file.write({
      at: wallClockMs(),
      e: 'start',
      format: MESSAGE_LOG_FORMAT,
      cluster: clusterId,
      member: `r${this.id}`,
      pid: process.pid,
      view,
      lastExecuted,
      started,
      ...(adversary === undefined ? {} : { adversary: adversary.name, adversaryOptions: JSON.stringify(adversary.options) }),
    });
  }

  stepped(input: ReplicaInput, outputs: readonly AdversaryOutput[]): void {
    if (!this.file.open) return;
    const at = wallClockMs();
    if (input.kind === 'receive') {
      const drop = dropOf(input.from, outputs);
      const dropped = drop === undefined ? {} : { dropped: drop.reason, dropDetail: clippedText(drop.detail) };
      this.file.write({ at, e: 'receive', from: laneOf(input.from), id: frameId(input.frame), ...dropped });
    }
    for (const output of outputs) {
      if (output.kind !== 'event') continue;
      const fields = laneEventOf(output.event);
      if (fields === undefined) continue;
      const item = output.event.type === 'evidence' ? { item: evidenceFileItem(this.id, output.event.evidence) } : {};
      this.file.write({ at, e: 'event', ...fields, ...item });
    }
  }

  sent(to: Peer | 'replicas', signed: Signed): void {
    if (!this.file.open) return;
    const lanes = to === 'replicas' ? this.others : [laneOf(to)];
    this.file.write({ at: wallClockMs(), e: 'send', to: lanes, id: frameId(signed.frame), ...messageFields(signed.message, `r${this.id}`) });
  }

  /** What a Byzantine replica's adversary says it did (the simulator's words: "NAME: note"). */
  adversaryNote(adversary: string, line: string): void {
    this.file.write({ at: wallClockMs(), e: 'event', kind: 'adversary', text: clippedText(`${adversary}: ${line}`) });
  }

  /** The session's clean end (a session without one ended in a crash). */
  stop(reason: string): void {
    this.file.write({ at: wallClockMs(), e: 'stop', reason });
  }
}

/**
 * The drop of the received frame, if it was dropped. The gateway's drop (and the core's
 * ignore checks) come before anything else the frame causes, evidence events aside; a drop
 * after a send or a record belongs to a buffered frame replayed by this one.
 */
function dropOf(from: Peer, outputs: readonly AdversaryOutput[]): { readonly reason: string; readonly detail: string } | undefined {
  const first = outputs.find((output) => output.kind !== 'event');
  if (first?.kind !== 'drop' || first.from.kind !== from.kind || first.from.id !== from.id) return undefined;
  return first;
}
