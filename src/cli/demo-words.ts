// Words for the demo's story (demo.ts): names, counts and the short forms of messages a
// newcomer needs.
import type { Peer } from '../core/gateway.ts';
import { formatTime } from '../sim/trace.ts';
import { field, type MessageLine } from './demo-trace.ts';


export function replicaNames(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  return sorted.length === 1 ? `replica ${sorted[0]}` : `replicas ${sorted.join(', ')}`;
}

export function peerText(peer: Peer): string {
  return peer.kind === 'client' ? `c${peer.id}` : `replica ${peer.id}`;
}

/** "1..5@v0 7@v1" (describeRanges) as "n=1..5 in view 0, n=7 in view 1". */
export function describePrepared(ranges: string): string {
  if (ranges.trim() === '') return 'nothing prepared above h';
  return ranges
    .trim()
    .split(' ')
    .map((part) => {
      const [seqs, view] = part.split('@v');
      return `n=${seqs} prepared in view ${view}`;
    })
    .join(', ');
}

export function countRanges(ranges: string): number {
  let total = 0;
  for (const part of ranges.trim().split(' ').filter((text) => text !== '')) {
    const [from, to] = part.split('@')[0]!.split('..').map(Number);
    total += to === undefined ? 1 : to - from! + 1;
  }
  return total;
}

export function seconds(ms: number): string {
  return `${formatTime(ms)}s`;
}

/** The first copy each sender sent of the messages that match, in sender order. */
export function firstPerSender(messages: readonly MessageLine[], matches: (m: MessageLine) => boolean): MessageLine[] {
  const first = new Map<number, MessageLine>();
  for (const m of messages) if (m.from.kind === 'replica' && matches(m) && !first.has(m.from.id)) first.set(m.from.id, m);
  return [...first.values()].sort((a, b) => a.from.id - b.from.id);
}

export function earliest(messages: readonly MessageLine[]): number {
  return Math.min(...messages.map((m) => m.sentAtMs));
}

export function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** "c=1 t=2 put k=v" (a REQUEST's text) without client and timestamp: the operation. */
export function operationOf(text: string): string {
  return text.replace(/^c=\d+ t=\d+ /, '');
}

/** "v=0 c=1 t=2 ok ver=3" (a REPLY's text) without view, client and timestamp: the result. */
export function resultOf(text: string): string {
  return text.replace(/^v=\d+ c=\d+ t=\d+ /, '');
}

/** "v=0 n=58 d=b78127 batch=1" as "view 0, n=58": what a newcomer needs of a message. */
export function describeFields(text: string): string {
  const view = field(text, 'v');
  const seq = field(text, 'n');
  return [view === undefined ? undefined : `view ${view}`, seq === undefined ? undefined : `n=${seq}`].filter((part) => part !== undefined).join(', ');
}
