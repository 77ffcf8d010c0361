// What the sessions of `pancydb picture`'s logs say about each other (from-logs.ts): two
// runs of one member at once mean a log posing as another member; a client that took part
// without a log, or whose log lost lines, leaves the clients' history incomplete.
import type { LogLine } from './log-lines.ts';
import type { ReceiveLine, SendLine } from './match-messages.ts';
import type { LaneId } from './record.ts';

/** One process run: a start line and the lines after it, up to the next start in its file. */
export interface Session {
  readonly member: LaneId;
  readonly file: string;
  readonly index: number;
  readonly startAt: number;
  readonly start: Extract<LogLine, { e: 'start' }>;
  lastAt: number;
  stopped: boolean;
  /** Lines of it were lost: malformed, skipped by the writer, or past its cap. */
  lost: boolean;
  capped: boolean;
}

/** A log that cannot be used at all: the message names the file. */
export class LogRejected extends Error {
  override readonly name = 'LogRejected';
}

/** Replicas before clients, each by index. */
export function laneOrder(a: LaneId, b: LaneId): number {
  return (a[0] === b[0] ? 0 : a[0] === 'r' ? -1 : 1) || Number(a.slice(1)) - Number(b.slice(1));
}

/**
 * A member runs one process at a time, so two of its runs that overlap in time mean one
 * log is not that member's: a Byzantine replica's (or a compromised host's) log posing as
 * another member would take that member's receives and have it crash at its own last
 * line. Refused (LogRejected), naming both files, rather than drawn.
 */
export function refuseOverlaps(all: readonly Session[], ms: (at: number) => number): void {
  const byMember = new Map<LaneId, Session[]>();
  for (const session of all) {
    const sessions = byMember.get(session.member);
    if (sessions === undefined) byMember.set(session.member, [session]);
    else sessions.push(session);
  }
  const run = (session: Session) => `(pid ${session.start.pid ?? '?'}) from ${ms(session.startAt)} to ${ms(session.lastAt)} ms`;
  for (const [member, sessions] of byMember) {
    sessions.sort((a, b) => a.startAt - b.startAt || a.index - b.index);
    let latest = sessions[0]!;
    for (const session of sessions.slice(1)) {
      if (session.startAt < latest.lastAt) {
        throw new LogRejected(`${session.file}: a run of ${member} ${run(session)} overlaps one in ${latest.file} ${run(latest)}: a member runs one process at a time, so one of these is not ${member}'s log`);
      }
      if (session.lastAt > latest.lastAt) latest = session;
    }
  }
}

/**
 * Why the clients' history may be incomplete: a client some log sent to or received from
 * whose own log was not given, or a client session that lost lines. An operation missing
 * from the history can make a correct run look non-linearizable (a read of a value no
 * logged write wrote).
 */
export function historyGaps(sessions: readonly Session[], sends: readonly SendLine[], receives: readonly ReceiveLine[]): string[] {
  const logged = new Set(sessions.map((session) => session.member));
  const unlogged = new Set<LaneId>();
  const note = (lane: LaneId) => {
    if (lane.startsWith('c') && !logged.has(lane)) unlogged.add(lane);
  };
  for (const send of sends) send.line.to.forEach(note);
  for (const receive of receives) note(receive.line.from);
  const lost = new Set(sessions.filter((session) => session.lost && session.member.startsWith('c')).map((session) => session.member));
  return [...[...unlogged].sort(laneOrder).map((lane) => `${lane} took part but its log was not given`), ...[...lost].sort(laneOrder).map((lane) => `${lane}'s log lost lines (malformed, skipped or past its cap)`)];
}
