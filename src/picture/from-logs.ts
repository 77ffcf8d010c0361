// A real cluster's run record (record.ts) from its members' message logs (`pancydb
// picture`): pure, lines in, record out. Each send is matched to its receive by (from, to,
// frame id); lanes, view bands, lane events, client operations and evidence come from the
// logs; the verdict from the project's linearizability checker over what the clients saw.
// Times are ms since the earliest logged line, on each member's own wall clock: one
// machine's clock for a cluster on one machine, otherwise as far apart as their skew.
//
// A log is untrusted: a malformed line is skipped and counted; a log of another cluster,
// or one that names no cluster at all, is refused (LogRejected) rather than mixed in.
import { checkPancydbVersions, describePancydbOperation, type PancydbOperation } from '../check/linearizability/index.ts';
import { primaryOf } from '../core/quorum.ts';
import { describeOperation, describeResult } from '../sim/trace.ts';
import { parseLogLine, type LaneBounds, type LogLine } from './log-lines.ts';
import { clippedText, MESSAGE_LOG_FORMAT, printable } from './message-log-format.ts';
import { keptEvidence, type ProveEvidence } from './log-evidence.ts';
import { historyGaps, laneOrder, LogRejected, refuseOverlaps, type Session } from './log-sessions.ts';
import { matchMessages, type SendLine, type ReceiveLine } from './match-messages.ts';
import { RUN_RECORD_FORMAT, type Lane, type LaneEvent, type LaneId, type OperationRecord, type RunRecord, type Verdict, type ViewBand } from './record.ts';
import type { EvidenceFileItem } from '../check/evidence-file.ts';

/** What cluster.json says of the cluster the logs must belong to. */
export interface ClusterFacts extends LaneBounds {
  readonly clusterId: string;
  readonly f: number;
  readonly auth: string;
  /**
   * What an evidence item's two frames prove, checked with the cluster's public keys
   * (check/evidence-verify.ts), or undefined when they prove nothing. A holder's log may
   * lie, and an item that does not verify would plant a flag on an honest replica's lane.
   * Absent: items are drawn as logged.
   */
  readonly proveEvidence?: ProveEvidence;
}

// Where the picture's command and tests look for them.
export { laneOrder, LogRejected };

export interface LogSummary {
  readonly lines: number;
  /** Malformed lines skipped, by file. */
  readonly malformed: Readonly<Record<string, number>>;
  readonly sessions: number;
  readonly messages: number;
  readonly unmatchedSends: number;
  /** Receives with no logged send (their sender's log was not given, or ended). */
  readonly unmatchedReceives: number;
  /** Files that reached their size cap; lines their writers skipped as the disk fell behind. */
  readonly capped: readonly string[];
  readonly skippedLines: number;
  /** Evidence items left out because their frames do not prove what they claim. */
  readonly unprovenEvidence: number;
  /** Why the clients' history may lack operations (a client's log not given, or lines of it lost); empty when complete. */
  readonly historyGaps: readonly string[];
  /** With gaps: what the checker found in the operations there are, not counted as a violation (a missing operation may explain it). */
  readonly setAside?: string;
}

interface Call {
  readonly client: number;
  readonly at: number;
  readonly line: Extract<LogLine, { e: 'call' }>;
  returned?: Extract<LogLine, { e: 'return' }>;
}

export class RunRecordBuilder {
  private readonly sessions: Session[] = [];
  private readonly sends: SendLine[] = [];
  private readonly receives: ReceiveLine[] = [];
  private readonly events: { lane: LaneId; line: Extract<LogLine, { e: 'event' }>; faulty: boolean }[] = [];
  private readonly calls = new Map<string, Call>();
  private readonly malformed = new Map<string, number>();
  private readonly files: string[] = [];
  private readonly capped = new Set<string>();
  /** Each process run's start line (member, pid, time), with its file: one read twice would count every message twice. */
  private readonly starts = new Map<string, string>();
  private lines = 0;
  private skippedLines = 0;
  /** The earliest and latest time of any line taken: the record's 0 and its end. */
  private earliestAt = Infinity;
  private latestAt = -Infinity;

  constructor(private readonly cluster: ClusterFacts) {}

  /** Starts reading `file`: feed it line by line (skip(): one too long to read), then end() it. */
  file(file: string): { line(text: string): void; skip(): void; end(): void } {
    this.files.push(file);
    this.malformed.set(file, 0);
    let session: Session | undefined;
    let sawStart = false;
    return {
      line: (text) => {
        if (text.trim() === '') return;
        this.lines++;
        const line = parseLogLine(text, this.cluster);
        const malformed = () => {
          this.malformed.set(file, this.malformed.get(file)! + 1);
          if (session !== undefined) session.lost = true;
        };
        if (line === undefined || (session === undefined && line.e !== 'start')) return malformed();
        if (line.e === 'start') {
          sawStart = true;
          session = this.open(file, line);
        } else if (!this.take(session!, line)) {
          return malformed();
        }
        session!.lastAt = Math.max(session!.lastAt, line.at);
        this.earliestAt = Math.min(this.earliestAt, line.at);
        this.latestAt = Math.max(this.latestAt, line.at);
      },
      skip: () => {
        this.lines++;
        this.malformed.set(file, this.malformed.get(file)! + 1);
        if (session !== undefined) session.lost = true;
      },
      end: () => {
        if (!sawStart) throw new LogRejected(`${file}: no "start" line naming a cluster: not a pancydb message log (${MESSAGE_LOG_FORMAT})`);
      },
    };
  }

  private open(file: string, start: Extract<LogLine, { e: 'start' }>): Session {
    if (start.format !== MESSAGE_LOG_FORMAT) throw new LogRejected(`${file}: format ${printable(JSON.stringify(start.format))}, expected ${MESSAGE_LOG_FORMAT}`);
    if (start.cluster !== this.cluster.clusterId) throw new LogRejected(`${file}: a log of cluster ${shownId(start.cluster)}, not of ${this.cluster.clusterId.slice(0, 16)} (--cluster)`);
    const key = `${start.member}:${start.pid ?? '?'}:${start.at}`;
    const before = this.starts.get(key);
    if (before !== undefined) throw new LogRejected(`${file}: holds a run of ${start.member} (pid ${start.pid ?? '?'}) already read from ${before}: give each log once`);
    this.starts.set(key, file);
    const session: Session = { member: start.member, file, index: this.sessions.length, startAt: start.at, start, lastAt: start.at, stopped: false, capped: false, lost: false };
    this.sessions.push(session);
    return session;
  }

  /** One line of `session`; false if it makes no sense there (counted malformed). */
  private take(session: Session, line: Exclude<LogLine, { e: 'start' }>): boolean {
    const member = session.member;
    const client = member.startsWith('c');
    switch (line.e) {
      case 'send':
        if (line.to.includes(member)) return false;
        // Its sender signs a frame, but a request is its client's whoever relays it (message-fields.ts):
        // a log's send "signed by" another replica would show a faulty sender's frame as that replica's.
        if (line.signer !== member && (client || (line.type !== 'request' && line.type !== 'read') || !line.signer.startsWith('c'))) return false;
        this.sends.push({ from: member, line, faulty: session.start.adversary !== undefined });
        return true;
      case 'receive':
        if (line.from === member) return false;
        this.receives.push({ to: member, line });
        return true;
      case 'event':
        if (client) return false;
        this.events.push({ lane: member, line, faulty: session.start.adversary !== undefined });
        return true;
      case 'call': {
        const key = `${session.index}:${line.op}`;
        if (!client || this.calls.has(key)) return false;
        this.calls.set(key, { client: Number(member.slice(1)), at: line.at, line });
        return true;
      }
      case 'return': {
        const call = this.calls.get(`${session.index}:${line.op}`);
        // A return before its call: not this process's clock, not a history the checker can read.
        if (call === undefined || call.returned !== undefined || line.at < call.at) return false;
        call.returned = line;
        return true;
      }
      case 'abandon':
        return this.calls.has(`${session.index}:${line.op}`);
      case 'stop':
        session.stopped = true;
        return true;
      case 'capped':
        session.capped = true;
        session.lost = true;
        this.capped.add(session.file);
        return true;
      case 'skipped':
        this.skippedLines += line.lines;
        session.lost = true;
        return true;
    }
  }

  /** The record the logs make; LogRejected if two of them contradict each other. */
  build(): { record: RunRecord; summary: LogSummary } {
    const originMs = Number.isFinite(this.earliestAt) ? this.earliestAt : 0;
    const ms = (at: number) => Math.round((at - originMs) * 1000) / 1000;
    refuseOverlaps(this.sessions, ms);
    const { messages, unmatchedSends, unmatchedReceives } = matchMessages(this.sends, this.receives, ms);
    const operations = this.operations(ms);
    const gaps = historyGaps(this.sessions, this.sends, this.receives);
    const verdict = judge(operations.history, gaps);
    const offending = new Set(verdict.offending);
    const endMs = Number.isFinite(this.latestAt) ? ms(this.latestAt) : 0;
    const evidence = this.evidence(ms);
    const record: RunRecord = {
      format: RUN_RECORD_FORMAT,
      source: { kind: 'cluster', clusterId: this.cluster.clusterId, logs: [...this.files] },
      title: `cluster ${this.cluster.clusterId.slice(0, 16)}: ${this.files.length} message log${this.files.length === 1 ? '' : 's'}`,
      n: this.cluster.n,
      f: this.cluster.f,
      auth: this.cluster.auth,
      endMs,
      lanes: this.lanes(messages.flatMap((message) => [message.from, message.to]), operations.records.map((operation) => `c${operation.client}` as LaneId)),
      messages,
      events: this.laneEvents(ms),
      views: this.views(ms),
      operations: operations.records.map((operation, id) => (offending.has(id) ? { ...operation, offending: true } : operation)),
      verdict: verdict.verdict,
      evidence: evidence.items,
    };
    const summary: LogSummary = {
      lines: this.lines,
      malformed: Object.fromEntries(this.malformed),
      sessions: this.sessions.length,
      messages: messages.length,
      unmatchedSends,
      unmatchedReceives,
      capped: [...this.capped],
      skippedLines: this.skippedLines,
      unprovenEvidence: evidence.unproven,
      historyGaps: gaps,
      ...(verdict.setAside === undefined ? {} : { setAside: verdict.setAside }),
    };
    return { record, summary };
  }

  /** Every replica; the clients that logged or were written to, by index. */
  private lanes(seen: readonly LaneId[], callers: readonly LaneId[]): Lane[] {
    const lanes: Lane[] = [];
    for (let replica = 0; replica < this.cluster.n; replica++) {
      const start = this.sessions.filter((session) => session.member === `r${replica}`).at(-1)?.start;
      const faulty = start?.adversary === undefined ? {} : { faulty: { adversary: start.adversary, ...(start.adversaryOptions === undefined ? {} : { options: start.adversaryOptions }) } };
      lanes.push({ id: `r${replica}`, kind: 'replica', index: replica, ...faulty });
    }
    const clients = new Set([...this.sessions.map((session) => session.member), ...seen, ...callers].filter((lane) => lane.startsWith('c')).map((lane) => Number(lane.slice(1))));
    for (const client of [...clients].sort((a, b) => a - b)) lanes.push({ id: `c${client}`, kind: 'client', index: client });
    return lanes;
  }

  /**
   * The logged events, plus what the sessions show: a later session of a replica is a
   * restart, and a session that ended without a clean stop, before a restart or before
   * another replica stopped cleanly, ended in a crash (kill -9) at its last line.
   */
  private laneEvents(ms: (at: number) => number): LaneEvent[] {
    const events: LaneEvent[] = this.events.map(({ lane, line, faulty }) => ({
      lane,
      atMs: ms(line.at),
      kind: line.kind,
      ...viewSeq(line),
      // A Byzantine replica's honest core says what it did; its adversary may have sent otherwise (as in the simulator).
      text: faulty && line.kind !== 'adversary' ? `(faulty replica's core) ${line.text}` : line.text,
    }));
    const byReplica = new Map<LaneId, Session[]>();
    let lastCleanStop = -Infinity;
    for (const session of this.sessions) {
      if (!session.member.startsWith('r')) continue;
      const sessions = byReplica.get(session.member);
      if (sessions === undefined) byReplica.set(session.member, [session]);
      else sessions.push(session);
      if (session.stopped) lastCleanStop = Math.max(lastCleanStop, session.lastAt);
    }
    for (const sessions of byReplica.values()) {
      sessions.sort((a, b) => a.startAt - b.startAt || a.index - b.index);
      sessions.forEach((session, index) => {
        const next = sessions[index + 1];
        if (index > 0) {
          const { view, lastExecuted, started } = session.start;
          const state = `view ${view ?? '?'}, last executed ${lastExecuted ?? '?'}`;
          events.push({ lane: session.member, atMs: ms(session.startAt), kind: 'restart', ...(view === undefined ? {} : { view }), text: `RESTART ${started ?? ''}${started === undefined ? '' : '; '}${state}` });
        }
        if (!session.stopped && !session.capped && (next !== undefined || lastCleanStop > session.lastAt)) {
          const until = next === undefined ? {} : { untilMs: ms(next.startAt) };
          events.push({ lane: session.member, atMs: ms(session.lastAt), kind: 'crash', ...until, text: `CRASH ${next === undefined ? 'for good' : 'until its restart'} (its log ends here without a clean stop)` });
        }
      });
    }
    return events.sort((a, b) => a.atMs - b.atMs || laneOrder(a.lane, b.lane));
  }

  /** View 0 for every replica from the start; a later view from its ENTER-VIEW (or a restart into it). */
  private views(ms: (at: number) => number): ViewBand[] {
    const entered = new Map<number, Map<number, number>>([[0, new Map(Array.from({ length: this.cluster.n }, (_, replica) => [replica, 0]))]]);
    const enter = (view: number, replica: number, atMs: number) => {
      const band = entered.get(view) ?? new Map<number, number>();
      entered.set(view, band);
      if (!(band.get(replica)! <= atMs)) band.set(replica, atMs);
    };
    for (const { lane, line } of this.events) if (line.kind === 'enter-view' && line.view !== undefined) enter(line.view, Number(lane.slice(1)), ms(line.at));
    for (const session of this.sessions) {
      if (session.member.startsWith('r') && session.start.view !== undefined && session.start.view > 0) enter(session.start.view, Number(session.member.slice(1)), ms(session.startAt));
    }
    return [...entered.keys()].sort((a, b) => a - b).map((view) => ({
      view,
      primary: primaryOf(view, this.cluster.n),
      entered: Object.fromEntries([...entered.get(view)!].sort((a, b) => a[0] - b[0]).map(([replica, atMs]) => [String(replica), atMs])),
    }));
  }

  private operations(ms: (at: number) => number): { records: OperationRecord[]; history: PancydbOperation[] } {
    const calls = [...this.calls.values()].sort((a, b) => a.at - b.at || a.client - b.client);
    const records = calls.map(({ client, at, line, returned }): OperationRecord => ({
      client,
      callMs: ms(at),
      ...(returned === undefined ? {} : { returnMs: ms(returned.at) }),
      // A value may be large; the picture shows one line of it (the checker gets it whole).
      operation: clippedText(describeOperation(line.operation)),
      ...(returned === undefined ? {} : { result: clippedText(describeResult(returned.result)) }),
    }));
    const history = calls.map(({ client, line, returned }, id): PancydbOperation => ({
      id,
      client,
      callMs: records[id]!.callMs,
      returnMs: records[id]!.returnMs,
      input: line.operation,
      output: returned?.result,
    }));
    return { records, history };
  }

  /** The evidence items the logs hold, one per (holder, culprit, kind), proven where the cluster's keys are given. */
  private evidence(ms: (at: number) => number): { items: EvidenceFileItem[]; unproven: number } {
    const logged = this.events.flatMap(({ lane, line }) => (line.item === undefined ? [] : [{ item: line.item, holder: Number(lane.slice(1)), atMs: ms(line.at) }]));
    return keptEvidence(logged, this.cluster.proveEvidence);
  }
}

/**
 * The linearizability check over what the clients saw (as sim/run.ts does it). With gaps
 * in the history a violation is not a finding: the verdict is 'unknown' and the checker's
 * words are set aside for the summary.
 */
function judge(history: readonly PancydbOperation[], gaps: readonly string[]): { verdict: Verdict; offending: number[]; setAside?: string } {
  const result = checkPancydbVersions(history, { maxViolations: 3 });
  const violations = result.violations.map((violation) => ({
    property: 'linearizability',
    detail: `${violation.kind}: ${violation.detail} [operations: ${violation.operations.map(describePancydbOperation).join('; ')}]`,
  }));
  if (violations.length > 0 && gaps.length > 0) return { verdict: { ok: true, linearizability: 'unknown', violations: [] }, offending: [], setAside: violations[0]!.detail };
  return {
    verdict: { ok: violations.length === 0, linearizability: result.verdict, violations },
    offending: result.violations.flatMap((violation) => violation.operations.map((operation) => operation.id)),
  };
}

/** A cluster id from a log, for a message: its first 16 characters, quoted unless hex. */
function shownId(clusterId: string): string {
  const head = clusterId.slice(0, 16);
  return /^[0-9a-f]*$/.test(head) ? head : printable(JSON.stringify(head));
}

function viewSeq(line: { readonly view?: number; readonly seq?: number }): { view?: number; seq?: number } {
  return { ...(line.view === undefined ? {} : { view: line.view }), ...(line.seq === undefined ? {} : { seq: line.seq }) };
}

/**
 * @example recordFromLogs(facts, [{ name: 'r0.jsonl', lines: readFileSync('r0.jsonl', 'utf8').split('\n') }])
 */
export function recordFromLogs(cluster: ClusterFacts, logs: readonly { readonly name: string; readonly lines: readonly string[] }[]): { record: RunRecord; summary: LogSummary } {
  const builder = new RunRecordBuilder(cluster);
  for (const log of logs) {
    const file = builder.file(log.name);
    for (const line of log.lines) file.line(line);
    file.end();
  }
  return builder.build();
}
