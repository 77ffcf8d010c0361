// A simulated run as the picture's run record (record.ts): the driver (sim/cluster.ts)
// tells a SimRecorder every message's fate, every arrival and the drop that answered it,
// replicas' events, restarts and what adversaries did; after the run, the client history,
// the static faults (crashes, silences, partitions) and the checkers' verdict complete it.
//
// The recorder only listens: a run with it is the run without it, byte for byte (the
// test compares --json). Building the record is O(messages + events + operations): one
// object per message copy, its one-line text computed once per broadcast.
//
//   const { run, record } = recordSeed(options, { replay: 'npx pancydb sim -S 7 -V' });
import type { Peer } from '../core/gateway.ts';
import type { Message } from '../core/messages.ts';
import type { ReplicaEvent } from '../core/replica.ts';
import { quorumsFor } from '../core/quorum.ts';
import type { Fate } from '../sim/network.ts';
import type { RunRecorder } from '../sim/recorder.ts';
import { runSeed, type RunOptions, type SeedRun } from '../sim/run.ts';
import { laneEventOf } from './lane-events.ts';
import { messageFields, type MessageFields } from './message-fields.ts';
import { clippedText, laneOf } from './message-log-format.ts';
import type { LaneEvent, LaneId, MessageRecord } from './record.ts';
import { completeRecord, type RecordSource } from './sim-record-finish.ts';

/**
 * The most message copies and lane events a record keeps: a million messages is about 460 MB
 * of heap and a 160 MB record (a 100 s `full` seed has about 380,000). Beyond, the record
 * says what it left out (RunRecord.truncated) rather than the run running out of memory.
 */
export const MAX_RECORDED_MESSAGES = 1_000_000;
export const MAX_RECORDED_EVENTS = 1_000_000;

/** A message record while the run is under way: arrival, loss and drop are filled in as they happen. */
export type MessageDraft = { -readonly [K in keyof MessageRecord]: MessageRecord[K] };

export class SimRecorder implements RunRecorder {
  readonly messages: MessageDraft[] = [];
  readonly events: LaneEvent[] = [];
  /** view -> replica -> when it first entered that view. */
  readonly entered = new Map<number, Map<number, number>>();
  /** The copy being delivered: drops until the driver says it is done answer this one. */
  private delivering: MessageDraft | undefined;
  /** A broadcast hands the same message to each peer: its fields are computed once. */
  private last: { message: Message; from: LaneId; fields: MessageFields & { faulty?: boolean } } | undefined;
  /** Evidence is kept once per (holder, culprit, kind), as sim/evidence-log.ts keeps it. */
  private readonly evidenceSeen = new Set<string>();
  /** What the bounds left out, and from when. */
  readonly leftOut = { atMs: Infinity, messages: 0, events: 0 };

  constructor(
    /** Byzantine replicas' ids. */
    private readonly faultyReplicas: ReadonlySet<number>,
    /** Clients from this id up are Byzantine (their ids follow the correct clients'). */
    private readonly firstByzantineClient: number,
    private readonly bounds: { readonly messages: number; readonly events: number } = { messages: MAX_RECORDED_MESSAGES, events: MAX_RECORDED_EVENTS },
  ) {}

  transmitted(from: Peer, to: Peer, message: Message, nowMs: number, fate: Fate): readonly number[] {
    const copies = 'lost' in fate ? 1 : fate.delivered.length;
    if (this.messages.length + copies > this.bounds.messages) {
      this.leaveOut(nowMs, 'messages', copies);
      return [];
    }
    const fields = this.fieldsOf(message, from);
    const draft = (): MessageDraft => ({ from: fields.from, to: laneOf(to), sentMs: nowMs, ...fields.fields });
    if ('lost' in fate) {
      this.messages.push({ ...draft(), lost: fate.lost });
      return [];
    }
    return fate.delivered.map((_, copy) => {
      this.messages.push(copy === 0 ? draft() : { ...draft(), duplicate: true });
      return this.messages.length - 1;
    });
  }

  arrived(handle: number | undefined, nowMs: number, received: boolean): void {
    const message = handle === undefined ? undefined : this.messages[handle];
    this.delivering = undefined;
    if (message === undefined) return;
    if (!received) {
      message.lost = 'receiver-crashed';
      return;
    }
    message.receivedMs = nowMs;
    this.delivering = message;
  }

  dropped(at: Peer, reason: string, detail: string): void {
    const message = this.delivering;
    // One frame may be dropped for several reasons (a NEW-VIEW and what it carries): the first tells why.
    if (message === undefined || message.to !== laneOf(at) || message.dropped !== undefined) return;
    message.dropped = reason;
    message.dropDetail = clippedText(detail);
  }

  replicaEvent(id: number, event: ReplicaEvent, nowMs: number, faulty: boolean): void {
    const fields = laneEventOf(event);
    if (fields === undefined) return;
    if (event.type === 'evidence') {
      const key = `${id}:${event.evidence.culprit}:${event.evidence.kind}`;
      if (this.evidenceSeen.has(key)) return;
      this.evidenceSeen.add(key);
    }
    if (event.type === 'new-view') this.enteredView(id, event.view, nowMs);
    // A Byzantine replica's honest core says what it did; its adversary may have sent otherwise.
    const text = faulty ? `(faulty replica's core) ${fields.text}` : fields.text;
    this.addEvent({ lane: `r${id}`, atMs: nowMs, ...fields, text });
  }

  restarted(id: number, nowMs: number, text: string): void {
    this.addEvent({ lane: `r${id}`, atMs: nowMs, kind: 'restart', text });
  }

  adversaryNote(id: number, nowMs: number, adversary: string, text: string): void {
    this.addEvent({ lane: `r${id}`, atMs: nowMs, kind: 'adversary', text: clippedText(`${adversary}: ${text}`) });
  }

  private addEvent(event: LaneEvent): void {
    if (this.events.length >= this.bounds.events) return this.leaveOut(event.atMs, 'events', 1);
    this.events.push(event);
  }

  private leaveOut(nowMs: number, kind: 'messages' | 'events', count: number): void {
    this.leftOut.atMs = Math.min(this.leftOut.atMs, nowMs);
    this.leftOut[kind] += count;
  }

  private enteredView(id: number, view: number, nowMs: number): void {
    const byReplica = this.entered.get(view) ?? new Map<number, number>();
    this.entered.set(view, byReplica);
    if (!byReplica.has(id)) byReplica.set(id, nowMs);
  }

  private fieldsOf(message: Message, peer: Peer): { from: LaneId; fields: MessageFields & { faulty?: boolean } } {
    const from = laneOf(peer);
    if (this.last?.message !== message || this.last.from !== from) {
      const faulty = peer.kind === 'replica' ? this.faultyReplicas.has(peer.id) : peer.id >= this.firstByzantineClient;
      const { text, ...rest } = messageFields(message, from);
      // `faulty` before `text`, so every record's keys come in one order.
      this.last = { message, from, fields: { ...rest, ...(faulty ? { faulty: true } : {}), text } };
    }
    return { from, fields: this.last.fields };
  }
}

/**
 * Runs one seed with a recorder and returns the SeedRun as runSeed would (the same report)
 * and the run's record.
 * @example const { run, record } = recordSeed(demoRunOptions(1), { replay: 'npx pancydb demo -S 1', title: 'demo' });
 */
export function recordSeed(options: RunOptions, source: RecordSource): { run: SeedRun; record: ReturnType<typeof completeRecord> } {
  if (options.recorder !== undefined) throw new Error('recordSeed: options.recorder is set already; recordSeed brings its own');
  const recorder = new SimRecorder(new Set(options.faulty?.keys() ?? []), options.workload.clients);
  const run = runSeed({ ...options, recorder });
  return { run, record: completeRecord(recorder, options, run, { ...source, title: source.title ?? defaultTitle(options) }) };
}

function defaultTitle(options: RunOptions): string {
  return `seed ${options.seed}: n=${options.n}, f=${quorumsFor(options.n).f}, ${options.workload.kind} with ${options.workload.clients} clients`;
}
