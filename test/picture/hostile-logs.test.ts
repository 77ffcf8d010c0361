// pancydb picture against logs written to mislead it: a Byzantine replica's (or a
// compromised host's) log posing as another member, control characters meant for the
// reader's terminal, a send line naming one receiver many times; and two copies of one
// frame in flight at once, whose arrows must not cross.
import { describe, expect, it } from 'vitest';
import { LogRejected } from '../../src/picture/from-logs.ts';
import { build, CLUSTER, fid, line, receive, start } from './log-lines.ts';

const send = (at: number, to: string[], id: number, fields: Record<string, unknown> = {}) => line(at, 'send', { to, id: fid(id), type: 'status', signer: 'r0', text: 'STATUS', ...fields });

describe('pancydb picture: hostile message logs', () => {
  it("refuses a log posing as a member whose own log shows it running then (it would steal the member's receives and make it look crashed)", () => {
    const logs = {
      'r0.jsonl': [start(0, 'r0'), send(1, ['r1'], 7), line(10, 'event', { kind: 'execute', seq: 1, text: 'EXECUTE n=1' }), line(20, 'stop')],
      'r1.jsonl': [start(0, 'r1'), receive(2, 'r0', 7), line(20, 'stop')],
      // r3's log, claiming to be r0, forging the frame r1 received.
      'r3.jsonl': [start(0.5, 'r0', { pid: 666 }), send(1, ['r1'], 7, { text: 'FORGED' })],
    };
    expect(() => build(logs)).toThrow(LogRejected);
    expect(() => build(logs)).toThrow(/^r3\.jsonl: a run of r0 \(pid 666\) from 0\.5 to 1 ms overlaps one in r0\.jsonl \(pid 1\) from 0 to 20 ms: a member runs one process at a time/);
    // One after the other is a restart, not a contradiction.
    const restarted = build({ ...logs, 'r3.jsonl': [start(25, 'r0', { pid: 666 }), line(30, 'stop')] });
    expect(restarted.record.events.filter((event) => event.lane === 'r0').map((event) => event.kind)).toEqual(['execute', 'restart']);
  });

  it("a log's cluster id reaches the error message quoted: no control character gets to the terminal", () => {
    const evil = start(0, 'r0').replace(CLUSTER, '\\u001b]0;PWNED\\u0007\\u009b2J\\u202e');
    let message = '';
    try {
      build({ 'evil.jsonl': [evil] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('evil.jsonl: a log of cluster "\\u001b]0;PWNED\\u0007');
    expect(message).toContain('\\u009b2J\\u202e"');
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('a send naming one receiver twice is malformed (a writer names each once), not two messages', () => {
    const { record, summary } = build({ 'r0.jsonl': [start(0, 'r0'), send(1, ['r1', 'r1', 'r1'], 1), send(2, ['r1', 'r2'], 2)] });
    expect(summary.malformed).toEqual({ 'r0.jsonl': 1 });
    expect(record.messages.map((message) => message.to)).toEqual(['r1', 'r2']);
  });

  it("a send signed by someone else is malformed: only a relayed client's request carries another's signature", () => {
    const { record, summary } = build({
      'r3.jsonl': [start(0, 'r3'), send(1, ['r1'], 1, { type: 'prepare', signer: 'r0' }), send(2, ['r0'], 2, { type: 'request', signer: 'c1' }), send(3, ['r1'], 3, { type: 'prepare', signer: 'r3' }), send(4, ['r1'], 4, { type: 'request', signer: 'r0' })],
      'c0.jsonl': [start(0, 'c0'), send(1, ['r0'], 5, { type: 'request', signer: 'c1' }), send(2, ['r0'], 6, { type: 'request', signer: 'c0' })],
    });
    expect(summary.malformed).toEqual({ 'r3.jsonl': 2, 'c0.jsonl': 1 });
    expect(record.messages.map(({ from, type, signer }) => `${from} ${type} ${signer}`)).toEqual(['r3 request c1', 'c0 request c0', 'r3 prepare r3']);
  });

  it("a read of a write no given log holds is no violation when the history has gaps: a client's log not given, or lines of it lost", () => {
    const get = [line(4, 'call', { op: 0, operation: { type: 'get', key: 'a' } }), line(6, 'return', { op: 0, result: { status: 'ok', version: 1, value: '1' } })];
    // Nothing says anyone else took part: the read saw a write that never happened.
    const alone = build({ 'c1.jsonl': [start(0, 'c1'), ...get] });
    expect(alone.record.verdict).toMatchObject({ ok: false, linearizability: 'not-linearizable' });
    expect(alone.summary.historyGaps).toEqual([]);
    // r0 received c0's request, but c0's log was not given: its put is missing.
    const unlogged = build({ 'c1.jsonl': [start(0, 'c1'), ...get], 'r0.jsonl': [start(0, 'r0'), receive(2, 'c0', 1)] });
    expect(unlogged.record.verdict).toEqual({ ok: true, linearizability: 'unknown', violations: [] });
    expect(unlogged.record.operations.some((operation) => operation.offending === true)).toBe(false);
    expect(unlogged.summary.historyGaps).toEqual(['c0 took part but its log was not given']);
    expect(unlogged.summary.setAside).toMatch(/"get"/);
    // c0's log is there, but its writer skipped lines (the put's call among them).
    const skipped = build({ 'c1.jsonl': [start(0, 'c1'), ...get], 'c0.jsonl': [start(0, 'c0'), line(3, 'skipped', { lines: 1 }), line(3.5, 'return', { op: 0, result: { status: 'ok', actual: '', previousVersion: 0, version: 1 } })] });
    expect(skipped.record.verdict.linearizability).toBe('unknown');
    expect(skipped.summary.historyGaps).toEqual(["c0's log lost lines (malformed, skipped or past its cap)"]);
  });

  it('two copies of one frame in flight at once arrive first to first (TCP keeps order): the arrows do not cross', () => {
    const { record } = build({
      'r0.jsonl': [start(0, 'r0'), send(10, ['r1'], 5), send(11, ['r1'], 5), send(30, ['r1'], 5)],
      'r1.jsonl': [start(0, 'r1'), receive(12, 'r0', 5), receive(13, 'r0', 5)],
    });
    expect(record.messages.map(({ sentMs, receivedMs, lost }) => ({ sentMs, receivedMs, lost }))).toEqual([
      { sentMs: 10, receivedMs: 12, lost: undefined },
      { sentMs: 11, receivedMs: 13, lost: undefined },
      { sentMs: 30, receivedMs: undefined, lost: 'unmatched' },
    ]);
  });
});
