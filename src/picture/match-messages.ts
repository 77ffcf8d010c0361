// Which logged receive is which logged send: same sender, same receiver, same frame id. A
// frame can leave more than once with the same bytes (a client's retransmitted REQUEST, a
// replica's unchanged STATUS, a resent VIEW-CHANGE). Within one (from, to, id), receives
// are paired latest first, each with the latest send not yet taken that left before it
// arrived: a copy lost on a dropped connection (the earlier one) stays unmatched instead of
// stretching to a later arrival, and two copies in flight at once arrive first to first, as
// one TCP connection delivers them, not as crossed arrows. A receive that arrived "before"
// every send left (clocks of two machines) then takes the earliest send still free.
import type { LogLine } from './log-lines.ts';
import type { LaneId, MessageRecord } from './record.ts';

export interface SendLine {
  readonly from: LaneId;
  readonly line: Extract<LogLine, { e: 'send' }>;
  /** Sent by a replica running an adversary. */
  readonly faulty: boolean;
}

export interface ReceiveLine {
  readonly to: LaneId;
  readonly line: Extract<LogLine, { e: 'receive' }>;
}

interface Copy {
  readonly send: SendLine;
  readonly to: LaneId;
  received?: ReceiveLine;
}

/** One message per send and destination, in the order they were sent; counts of what matched nothing. */
export function matchMessages(sends: readonly SendLine[], receives: readonly ReceiveLine[], ms: (at: number) => number): { messages: MessageRecord[]; unmatchedSends: number; unmatchedReceives: number } {
  const copies = new Map<string, Copy[]>();
  const all: Copy[] = [];
  for (const send of sends) {
    for (const to of send.line.to) {
      const copy: Copy = { send, to };
      all.push(copy);
      const key = `${send.from}>${to}>${send.line.id}`;
      const list = copies.get(key);
      if (list === undefined) copies.set(key, [copy]);
      else list.push(copy);
    }
  }
  const arrivals = new Map<string, ReceiveLine[]>();
  for (const receive of receives) {
    const key = `${receive.line.from}>${receive.to}>${receive.line.id}`;
    const list = arrivals.get(key);
    if (list === undefined) arrivals.set(key, [receive]);
    else list.push(receive);
  }
  let unmatchedReceives = 0;
  for (const [key, list] of arrivals) unmatchedReceives += pair(copies.get(key) ?? [], list);
  const messages = all
    .map((copy, order) => ({ copy, order }))
    .sort((a, b) => a.copy.send.line.at - b.copy.send.line.at || a.order - b.order)
    .map(({ copy }) => messageOf(copy, ms));
  return { messages, unmatchedSends: all.filter((copy) => copy.received === undefined).length, unmatchedReceives };
}

/** Pairs one key's copies and receives; returns how many receives found no copy. */
function pair(copies: Copy[], receives: ReceiveLine[]): number {
  const sent = copies.map((copy, order) => ({ copy, order })).sort((a, b) => a.copy.send.line.at - b.copy.send.line.at || a.order - b.order).map(({ copy }) => copy);
  const arrived = receives.map((receive, order) => ({ receive, order })).sort((a, b) => a.receive.line.at - b.receive.line.at || a.order - b.order).map(({ receive }) => receive);
  // Latest receive first, each taking the latest free copy that left before it. Every copy
  // after `latest` (up to the current receive's time) is taken already, so `latest` only
  // moves down. Taking the latest never costs an earlier receive its match (what left
  // before that one left before this one too): as many receives are matched as can be,
  // and the pairs keep their order.
  let latest = sent.length - 1;
  const early: ReceiveLine[] = [];
  for (let k = arrived.length - 1; k >= 0; k--) {
    const receive = arrived[k]!;
    while (latest >= 0 && sent[latest]!.send.line.at > receive.line.at) latest--;
    if (latest >= 0) sent[latest--]!.received = receive;
    else early.push(receive);
  }
  // Receives that arrived before any free copy left (clock skew): the earliest free copies, in order.
  const free = sent.filter((copy) => copy.received === undefined);
  early.reverse().forEach((receive, k) => {
    if (k < free.length) free[k]!.received = receive;
  });
  return Math.max(0, early.length - free.length);
}

function messageOf(copy: Copy, ms: (at: number) => number): MessageRecord {
  const { send, to, received } = copy;
  const { line } = send;
  return {
    from: send.from,
    to,
    type: line.type,
    sentMs: ms(line.at),
    ...(received === undefined ? { lost: 'unmatched' } : { receivedMs: ms(received.line.at) }),
    ...(received?.line.dropped === undefined ? {} : { dropped: received.line.dropped }),
    ...(received?.line.dropDetail === undefined ? {} : { dropDetail: received.line.dropDetail }),
    ...(line.view === undefined ? {} : { view: line.view }),
    ...(line.seq === undefined ? {} : { seq: line.seq }),
    ...(line.digest === undefined ? {} : { digest: line.digest }),
    signer: line.signer,
    ...(send.faulty ? { faulty: true } : {}),
    text: line.text,
  };
}
