// Hand-written message-log lines (src/picture/message-log-format.ts) for the tests of
// pancydb picture's log reader: one cluster, its facts, and builders for start and receive
// lines; each test file writes the send lines its cases need.
import { recordFromLogs, type ClusterFacts } from '../../src/picture/from-logs.ts';
import { MESSAGE_LOG_FORMAT } from '../../src/picture/message-log-format.ts';

export const CLUSTER = 'ab'.repeat(32);
export const FACTS: ClusterFacts = { clusterId: CLUSTER, n: 4, f: 1, auth: 'signed', clients: 2 };
export const T0 = 1_700_000_000_000;

/** A frame id: 16 hex characters. */
export const fid = (n: number) => n.toString(16).padStart(16, '0');
export const line = (at: number, e: string, fields: Record<string, unknown> = {}) => JSON.stringify({ at: T0 + at, e, ...fields });
export const start = (at: number, member: string, fields: Record<string, unknown> = {}) => line(at, 'start', { format: MESSAGE_LOG_FORMAT, cluster: CLUSTER, member, pid: 1, ...fields });
export const receive = (at: number, from: string, id: number, fields: Record<string, unknown> = {}) => line(at, 'receive', { from, id: fid(id), ...fields });

/** The record of logs given as name -> lines. */
export const build = (logs: Record<string, string[]>) => recordFromLogs(FACTS, Object.entries(logs).map(([name, lines]) => ({ name, lines })));
