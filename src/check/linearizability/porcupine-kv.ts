// Parser for the key-value histories in Porcupine's test data (kv/cNN-{ok,bad}.txt),
// model `kv-append`. One EDN map a line:
//   {:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value "V"|nil}
// A nil value is the empty string (every key starts as ""). :info ends an operation
// with unknown outcome; lines matching none of these forms are ignored.
import { historyFromEvents, type ClientEvent } from './history-from-events.ts';
import type { HistoryOperation } from './history.ts';
import type { KvInput, KvOutput } from './model-kv-append.ts';

const STRING = '"((?:[^"\\\\]|\\\\.)*)"';
const LINE = new RegExp(`^\\{:process (\\d+), :type :(invoke|ok|info), :f :(get|put|append), :key ${STRING}, :value (?:nil|${STRING})\\}\\s*$`);

export function parseKvLog(text: string): HistoryOperation<KvInput, KvOutput>[] {
  const events: ClientEvent<KvInput, KvOutput>[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const client = Number(match[1]);
    const value = unescape(match[5] ?? '');
    if (match[2] === 'invoke') {
      events.push({ kind: 'call', client, input: { op: match[3] as KvInput['op'], key: unescape(match[4]!), value } });
    } else if (match[2] === 'ok') {
      events.push({ kind: 'return', client, output: { value } });
    } else {
      events.push({ kind: 'give-up', client });
    }
  }
  return historyFromEvents(events);
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
