// pancydb picture's log reader (src/picture/from-logs.ts) on hand-written message logs:
// sends matched to receives by (from, to, frame id), what matches nothing, malformed lines,
// logs of another cluster, crashes and restarts, views, operations and their verdict.
import { describe, expect, it } from 'vitest';
import { LogRejected } from '../../src/picture/from-logs.ts';
import { build, CLUSTER, fid, line, receive, start } from './log-lines.ts';

const send = (at: number, to: string[], id: number, type: string, fields: Record<string, unknown> = {}) =>
  line(at, 'send', { to, id: fid(id), type, signer: fields['signer'] ?? 'r0', text: `${type.toUpperCase()} …`, ...fields });

describe('pancydb picture from message logs', () => {
  it('matches each send to its receive by (from, to, frame id); a broadcast is one message per replica, a send no log received is unmatched', () => {
    const { record, summary } = build({
      'c0.jsonl': [start(0, 'c0'), send(1, ['r0'], 1, 'request', { signer: 'c0' })],
      'r0.jsonl': [start(0, 'r0'), receive(1.25, 'c0', 1), send(2, ['r1', 'r2', 'r3'], 2, 'pre-prepare', { view: 0, seq: 1, digest: 'ab12cd' })],
      'r1.jsonl': [start(0, 'r1'), receive(2.5, 'r0', 2)],
      'r2.jsonl': [start(0, 'r2'), receive(2.75, 'r0', 2, { dropped: 'wrong-view', dropDetail: 'v=0 < 1' }), receive(3, 'r0', 99)],
    });
    expect(record.source).toEqual({ kind: 'cluster', clusterId: CLUSTER, logs: ['c0.jsonl', 'r0.jsonl', 'r1.jsonl', 'r2.jsonl'] });
    expect(record.lanes.map((lane) => lane.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'c0']);
    expect(record.messages).toEqual([
      { from: 'c0', to: 'r0', type: 'request', sentMs: 1, receivedMs: 1.25, signer: 'c0', text: 'REQUEST …' },
      { from: 'r0', to: 'r1', type: 'pre-prepare', sentMs: 2, receivedMs: 2.5, view: 0, seq: 1, digest: 'ab12cd', signer: 'r0', text: 'PRE-PREPARE …' },
      { from: 'r0', to: 'r2', type: 'pre-prepare', sentMs: 2, receivedMs: 2.75, dropped: 'wrong-view', dropDetail: 'v=0 < 1', view: 0, seq: 1, digest: 'ab12cd', signer: 'r0', text: 'PRE-PREPARE …' },
      { from: 'r0', to: 'r3', type: 'pre-prepare', sentMs: 2, lost: 'unmatched', view: 0, seq: 1, digest: 'ab12cd', signer: 'r0', text: 'PRE-PREPARE …' },
    ]);
    expect(summary).toMatchObject({ messages: 4, unmatchedSends: 1, unmatchedReceives: 1, sessions: 4, malformed: { 'c0.jsonl': 0, 'r0.jsonl': 0, 'r1.jsonl': 0, 'r2.jsonl': 0 } });
    expect(record.endMs).toBe(3);
  });

  it('the same frame sent twice: a receive takes the latest copy that left before it; one that arrived before any left (clock skew) takes the earliest', () => {
    const { record } = build({
      'r1.jsonl': [start(0, 'r1'), send(10, ['r2'], 7, 'status', { signer: 'r1' }), send(20, ['r2'], 7, 'status', { signer: 'r1' }), send(30, ['r3'], 8, 'status', { signer: 'r1' })],
      'r2.jsonl': [start(0, 'r2'), receive(21, 'r1', 7)],
      'r3.jsonl': [start(0, 'r3'), receive(29.5, 'r1', 8)],
    });
    expect(record.messages.map(({ to, sentMs, receivedMs, lost }) => ({ to, sentMs, receivedMs, lost }))).toEqual([
      { to: 'r2', sentMs: 10, receivedMs: undefined, lost: 'unmatched' },
      { to: 'r2', sentMs: 20, receivedMs: 21, lost: undefined },
      { to: 'r3', sentMs: 30, receivedMs: 29.5, lost: undefined },
    ]);
  });

  it('skips and counts malformed lines: not JSON, a torn last line, lines before any start, a lane outside the cluster, unknown kinds, a return before its call', () => {
    const { record, summary } = build({
      'r0.jsonl': [
        receive(0.5, 'r1', 1), // before the start line: whose is it?
        start(0, 'r0'),
        'not json',
        send(1, ['r9'], 2, 'prepare'), // no replica 9 in n=4
        send(1, ['r1'], 2, 'gossip'), // no such message type
        line(1, 'teleport'),
        send(1, ['r0'], 3, 'prepare'), // to itself
        send(1, ['r1'], 2, 'prepare', { id: 'xyz' }),
        send(2, ['r1'], 4, 'prepare'),
        '{"at": 17000000',
      ],
      'c1.jsonl': [
        start(0, 'c1'),
        line(5, 'call', { op: 0, operation: { type: 'put', key: 'a' } }), // no value
        line(5, 'call', { op: 1, operation: { type: 'get', key: 'a' } }),
        line(4, 'return', { op: 1, result: { status: 'ok', version: 0, value: '' } }), // before its call
        line(6, 'return', { op: 9, result: { status: 'ok', version: 0, value: '' } }), // no such call
        line(6, 'event', { kind: 'execute', text: 'EXECUTE' }), // a client executes nothing
      ],
    });
    expect(summary.malformed).toEqual({ 'r0.jsonl': 8, 'c1.jsonl': 4 });
    expect(summary.lines).toBe(16);
    expect(record.messages).toHaveLength(1);
    expect(record.messages[0]).toMatchObject({ to: 'r1', sentMs: 2, lost: 'unmatched' });
    // The get's return was refused, so its outcome is unknown.
    expect(record.operations).toEqual([{ client: 1, callMs: 5, operation: 'get a' }]);
  });

  it("refuses another cluster's log, a log of another format and a file with no start line, naming the file", () => {
    const other = start(0, 'r1').replace(CLUSTER, 'cd'.repeat(32));
    expect(() => build({ 'r0.jsonl': [start(0, 'r0')], 'elsewhere.jsonl': [other, send(1, ['r2'], 1, 'prepare')] })).toThrow(new LogRejected(`elsewhere.jsonl: a log of cluster ${'cd'.repeat(8)}, not of ${'ab'.repeat(8)} (--cluster)`));
    expect(() => build({ 'v2.jsonl': [start(0, 'r0', { format: 'pancydb-messages/v2' })] })).toThrow(/^v2\.jsonl: format "pancydb-messages\/v2", expected pancydb-messages\/v1$/);
    expect(() => build({ 'notes.txt': ['hello', '{"at": 1, "e": "stop"}'] })).toThrow(/^notes\.txt: no "start" line naming a cluster/);
    expect(() => build({ 'empty.jsonl': [] })).toThrow(LogRejected);
    // One log given twice (under two names) would count every message twice.
    expect(() => build({ 'a.jsonl': [start(0, 'r0')], 'copy.jsonl': [start(0, 'r0')] })).toThrow(new LogRejected('copy.jsonl: holds a run of r0 (pid 1) already read from a.jsonl: give each log once'));
  });

  it('a replica killed and restarted: a crash at its last line until the restart, the restart into view 1, view bands from ENTER-VIEW', () => {
    const { record } = build({
      'r0.jsonl': [start(0, 'r0'), send(5, ['r1'], 1, 'prepare'), start(100, 'r0', { view: 1, lastExecuted: 3, started: 'from disk (no checkpoint, 9 records)' }), line(120, 'stop', { reason: 'SIGTERM' })],
      'r1.jsonl': [start(0, 'r1', { view: 0 }), line(50, 'event', { kind: 'start-view-change', view: 1, text: 'START-VIEW-CHANGE v=1 (timeout) P=[]' }), line(60, 'event', { kind: 'enter-view', view: 1, text: 'ENTER-VIEW v=1 min-s=0 max-s=0 nulls=0' }), line(130, 'stop', { reason: 'SIGTERM' })],
      'r2.jsonl': [start(0, 'r2'), line(70, 'event', { kind: 'enter-view', view: 1, text: 'ENTER-VIEW v=1' })], // no stop, but r1 stopped later: crashed for good
      'r3.jsonl': [start(0, 'r3'), line(140, 'event', { kind: 'execute', view: 1, seq: 4, text: 'EXECUTE v=1 n=4' })], // its last line is the latest: still running
    });
    expect(record.views).toEqual([
      { view: 0, primary: 0, entered: { 0: 0, 1: 0, 2: 0, 3: 0 } },
      { view: 1, primary: 1, entered: { 0: 100, 1: 60, 2: 70 } },
    ]);
    expect(record.events.filter((event) => event.kind === 'crash' || event.kind === 'restart')).toEqual([
      { lane: 'r0', atMs: 5, kind: 'crash', untilMs: 100, text: 'CRASH until its restart (its log ends here without a clean stop)' },
      { lane: 'r2', atMs: 70, kind: 'crash', text: 'CRASH for good (its log ends here without a clean stop)' },
      { lane: 'r0', atMs: 100, kind: 'restart', view: 1, text: 'RESTART from disk (no checkpoint, 9 records); view 1, last executed 3' },
    ]);
    expect(record.events.map((event) => event.kind)).toEqual(['crash', 'start-view-change', 'enter-view', 'enter-view', 'crash', 'restart', 'execute']);
  });

  it("the clients' operations become bars, checked for linearizability: a stale read is named", () => {
    const put = { type: 'put', key: 'a', value: '1' };
    const good = build({
      'c0.jsonl': [start(0, 'c0'), line(1, 'call', { op: 0, operation: put }), line(3, 'return', { op: 0, result: { status: 'ok', actual: '', previousVersion: 0, version: 1 } }), line(3.5, 'stop')],
      'c1.jsonl': [start(4, 'c1'), line(4, 'call', { op: 0, operation: { type: 'get', key: 'a' } }), line(6, 'return', { op: 0, result: { status: 'ok', version: 1, value: '1' } }), start(7, 'c1'), line(7, 'call', { op: 0, operation: { type: 'get', key: 'b' } }), line(8, 'abandon', { op: 0, reason: 'client closed' })],
    });
    expect(good.record.operations).toEqual([
      { client: 0, callMs: 1, returnMs: 3, operation: 'put a="1"', result: 'ok prev=0 ver=1' },
      { client: 1, callMs: 4, returnMs: 6, operation: 'get a', result: 'ok ver=1 value="1"' },
      { client: 1, callMs: 7, operation: 'get b' },
    ]);
    expect(good.record.verdict).toEqual({ ok: true, linearizability: 'linearizable', violations: [] });

    const stale = build({
      'c0.jsonl': [start(0, 'c0'), line(1, 'call', { op: 0, operation: put }), line(3, 'return', { op: 0, result: { status: 'ok', actual: '', previousVersion: 0, version: 1 } })],
      'c1.jsonl': [start(4, 'c1'), line(4, 'call', { op: 0, operation: { type: 'get', key: 'a' } }), line(6, 'return', { op: 0, result: { status: 'ok', version: 0, value: '' } })],
    });
    expect(stale.record.verdict.ok).toBe(false);
    expect(stale.record.verdict.linearizability).toBe('not-linearizable');
    expect(stale.record.verdict.violations[0]!.property).toBe('linearizability');
    // The checker names the read that saw the key as it was before a write that had returned.
    expect(stale.record.operations.map((operation) => operation.offending)).toEqual([undefined, true]);
    expect(stale.record.verdict.violations[0]!.detail).toContain('"get"');
  });

  it("a Byzantine replica's lane, messages and events say so; evidence items keep their frames, the holder and when", () => {
    const item = { holder: 3, culprit: 0, kind: 'prepare', view: 0, seq: 2, frames: ['0a0b', '0c0d'] };
    const { record } = build({
      'r0.jsonl': [start(0, 'r0', { adversary: 'equivocate', adversaryOptions: '{"role":"backup"}' }), send(1, ['r1'], 1, 'prepare'), line(2, 'event', { kind: 'adversary', text: 'equivocate: two PREPAREs for n=2' }), line(2, 'event', { kind: 'execute', text: 'EXECUTE v=0 n=1' })],
      'r1.jsonl': [start(0, 'r1'), line(9, 'event', { kind: 'evidence', view: 0, seq: 2, text: 'EVIDENCE against 0: PREPARE v=0 n=2', item }), line(9.5, 'event', { kind: 'evidence', text: 'again', item })],
    });
    expect(record.lanes[0]).toEqual({ id: 'r0', kind: 'replica', index: 0, faulty: { adversary: 'equivocate', options: '{"role":"backup"}' } });
    expect(record.messages[0]).toMatchObject({ from: 'r0', faulty: true });
    expect(record.events.filter((event) => event.lane === 'r0').map((event) => event.text)).toEqual(['equivocate: two PREPAREs for n=2', "(faulty replica's core) EXECUTE v=0 n=1"]);
    // Held by r1 (whose log it is), once.
    expect(record.evidence).toEqual([{ ...item, holder: 1, atMs: 9 }]);
  });
});
