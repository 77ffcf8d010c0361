// Parser for the Jepsen etcd logs in Porcupine's test data (etcd/etcd_NNN.log), model
// `etcd-register`. Forms, after "INFO jepsen.util - <process>":
//   :invoke :read nil | :invoke :write V | :invoke :cas [A B]
//   :ok :read V|nil | :ok :write V | :ok :cas [A B] | :fail :cas [A B]
//   :fail :read :timed-out (unknown, and a read: no effect either way)
//   :info :write :timed-out | :info :cas :timed-out (unknown outcome)
// Lines matching none of these are ignored, as the corpus README prescribes.
import { historyFromEvents, type ClientEvent } from './history-from-events.ts';
import type { HistoryOperation } from './history.ts';
import type { RegisterInput, RegisterOutput } from './model-etcd-register.ts';

const LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;
const PAIR = /^\[(-?\d+)\s+(-?\d+)\]$/;
const INTEGER = /^-?\d+$/;

export function parseEtcdLog(text: string, name = 'etcd log'): HistoryOperation<RegisterInput, RegisterOutput>[] {
  const events: ClientEvent<RegisterInput, RegisterOutput>[] = [];
  text.split('\n').forEach((line, lineIndex) => {
    const match = LINE.exec(line);
    if (match === null) return;
    const [, process, type, f, argument] = match as unknown as [string, string, string, 'read' | 'write' | 'cas', string];
    const event = toEvent(Number(process), type, f, argument);
    if (event === 'malformed') throw new Error(`${name}:${lineIndex + 1}: cannot parse ${JSON.stringify(line)}`);
    if (event !== undefined) events.push(event);
  });
  return historyFromEvents(events);
}

function toEvent(
  client: number,
  type: string,
  f: 'read' | 'write' | 'cas',
  argument: string,
): ClientEvent<RegisterInput, RegisterOutput> | 'malformed' | undefined {
  if (type === 'info' || (type === 'fail' && f === 'read')) return { kind: 'give-up', client };
  if (type === 'invoke') {
    if (f === 'read') return { kind: 'call', client, input: { kind: 'read' } };
    if (f === 'write') return INTEGER.test(argument) ? { kind: 'call', client, input: { kind: 'write', value: Number(argument) } } : 'malformed';
    const pair = PAIR.exec(argument);
    return pair === null ? 'malformed' : { kind: 'call', client, input: { kind: 'cas', expected: Number(pair[1]), desired: Number(pair[2]) } };
  }
  if (f === 'cas') return { kind: 'return', client, output: { kind: 'cas', succeeded: type === 'ok' } };
  if (type !== 'ok') return undefined;
  if (f === 'write') return { kind: 'return', client, output: { kind: 'write' } };
  if (argument === 'nil') return { kind: 'return', client, output: { kind: 'read', value: null } };
  return INTEGER.test(argument) ? { kind: 'return', client, output: { kind: 'read', value: Number(argument) } } : 'malformed';
}
