// `pancydb picture --cluster FILE LOG... (--html FILE | --record FILE)`: a real cluster's
// run, drawn from its members' message logs (`--message-log`), as the same page `pancydb
// sim --html` makes of a simulated run. The logs are read as streams, line by line, each
// line bounded; what they mean is src/picture/from-logs.ts.
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFlags, required } from '../deploy/args.ts';
import { loadClusterConfig, type ClusterConfig } from '../deploy/cluster-config.ts';
import { fromHexFrame } from '../check/evidence-file.ts';
import { verifyEvidence } from '../check/evidence-verify.ts';
import { createFastestCrypto } from '../crypto/index.ts';
import { quorumsFor } from '../core/quorum.ts';
import { LogRejected, RunRecordBuilder, type LogSummary } from '../picture/from-logs.ts';
import type { ProveEvidence } from '../picture/log-evidence.ts';
import { renderHtml } from '../picture/html.ts';
import { LOG_LINE_MAX_CHARS } from '../picture/log-lines.ts';
import { printable } from '../picture/message-log-format.ts';
import type { RunRecord } from '../picture/record.ts';
import { checkOutputFile } from './output-file.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const PICTURE_HELP = `Usage: pancydb picture --cluster FILE LOG... (--html FILE | --record FILE)

Draws a real cluster's run from its message logs (pancydb replica --message-log, pancydb up
--message-logs, pancydb client --message-log): every frame from its send to its receive
(matched by sender, receiver and frame id; a send no log received is drawn as lost,
"unmatched"), the replicas' views, executions, view changes, crashes and restarts, and each
client operation from call to return, with the linearizability checker's verdict on them.
Evidence of equivocation a replica logged is drawn only if its frames convict with the
cluster's public keys (as pancydb verify-evidence checks them).
Times are ms since the earliest logged line, on each process's own clock.
  --cluster FILE   the cluster's cluster.json: every LOG must be of this cluster
  --html FILE      write the picture: one self-contained HTML page
  --record FILE    write the run record it draws (JSON, format pancydb-run/v1)
The logs are held in memory while the record is built (about 20 bytes per byte of log: cap
them with --message-log-max-bytes, or keep them short, for a picture of a long run).
A malformed line is skipped and counted. A client that took part without its log given,
or whose log lost lines, leaves operations out of the history: then a violation is reported
but not counted (verdict unknown), since a missing write can explain a read. Exit status:
0 the picture was written and the history is linearizable (or incomplete, as above), 1
written and it is not, 2 usage error (a LOG that cannot be read, or is of another cluster,
or is not a message log; two logs showing one member running twice at once; --html or
--record naming a LOG or each other).`;

export async function runPictureCommand(args: readonly string[], output: Output): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { cluster: { type: 'string' }, html: { type: 'string' }, record: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help === true) {
    output.out(PICTURE_HELP);
    return 0;
  }
  const clusterFile = required('--cluster', values.cluster);
  if (values.html === undefined && values.record === undefined) throw new UsageError('--html FILE or --record FILE: say what to write');
  if (positionals.length === 0) throw new UsageError('LOG: at least one message log is needed');
  const twice = positionals.find((log, index) => positionals.findIndex((other) => resolve(other) === resolve(log)) !== index);
  if (twice !== undefined) throw new UsageError(`LOG ${twice}: given twice`);
  checkOutputs({ '--html': values.html, '--record': values.record }, positionals);
  const cluster = loadClusterConfig(clusterFile);
  const n = cluster.parameters.n;
  const builder = new RunRecordBuilder({ clusterId: cluster.clusterId, n, f: quorumsFor(n).f, auth: cluster.parameters.auth, clients: cluster.clients.length, proveEvidence: evidenceProver(cluster) });
  let built: ReturnType<RunRecordBuilder['build']>;
  try {
    for (const log of positionals) await readLog(builder, log);
    built = builder.build();
  } catch (error) {
    if (error instanceof LogRejected) throw new UsageError(error.message);
    throw error;
  }
  const { record, summary } = built;
  for (const line of describeSummary(record, summary)) output.out(line);
  if (values.record !== undefined) writeOutput('--record', values.record, `${JSON.stringify(record)}\n`, output);
  if (values.html !== undefined) writeOutput('--html', values.html, renderHtml(record), output);
  return record.verdict.ok ? 0 : 1;
}

/**
 * Before any log is read: each output's directory takes a file, and no output is a LOG (it
 * would be overwritten once read) or the other output.
 */
function checkOutputs(outputs: Readonly<Record<'--html' | '--record', string | undefined>>, logs: readonly string[]): void {
  const given = Object.entries(outputs).filter((entry): entry is [string, string] => entry[1] !== undefined);
  for (const [k, [flag, path]] of given.entries()) {
    checkOutputFile(flag, path);
    if (logs.some((log) => sameFile(log, path))) throw new UsageError(`${flag} ${path}: it is a LOG given to read; give the picture its own file`);
    const other = given.slice(0, k).find(([, earlier]) => sameFile(earlier, path));
    if (other !== undefined) throw new UsageError(`${flag} ${path}: ${other[0]} names the same file; give each its own`);
  }
}

/** The same path, or (both existing) the same file under another name or link. */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const stat = (path: string) => {
    try {
      return statSync(path);
    } catch {
      return undefined; // Not there (or not reachable): reading the LOG will say so.
    }
  };
  const [x, y] = [stat(a), stat(b)];
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

/** Checks evidence items as `pancydb verify-evidence --cluster` does: with the cluster's public keys, by their frames alone. */
function evidenceProver(cluster: ClusterConfig): ProveEvidence {
  const keys = { keyOf: (id: number) => cluster.replicas[id]?.publicKey, description: `cluster ${cluster.clusterId.slice(0, 16)}` };
  const crypto = createFastestCrypto();
  return (item) => {
    const verdict = verifyEvidence([fromHexFrame(item.frames[0]), fromHexFrame(item.frames[1])], keys, crypto);
    if ('problem' in verdict) return undefined;
    return { culprit: verdict.culprit, kind: verdict.kind, ...(verdict.view === undefined ? {} : { view: verdict.view }), ...(verdict.seq === undefined ? {} : { seq: verdict.seq }) };
  };
}

/** Feeds `file` to the builder line by line; a line longer than LOG_LINE_MAX_CHARS bytes is skipped unread. */
async function readLog(builder: RunRecordBuilder, file: string): Promise<void> {
  const reader = builder.file(file);
  let parts: Buffer[] = [];
  let length = 0;
  let overlong = false;
  const endLine = () => {
    if (overlong) reader.skip();
    else reader.line(Buffer.concat(parts, length).toString('utf8'));
    parts = [];
    length = 0;
    overlong = false;
  };
  try {
    for await (const chunk of createReadStream(file)) {
      const bytes = chunk as Buffer;
      let from = 0;
      for (let newline = bytes.indexOf(10, from); newline !== -1; newline = bytes.indexOf(10, from)) {
        take(bytes.subarray(from, newline));
        endLine();
        from = newline + 1;
      }
      take(bytes.subarray(from));
    }
  } catch (error) {
    if (error instanceof LogRejected) throw error;
    throw new UsageError(`${file}: cannot read the message log: ${(error as Error).message}`);
  }
  if (length > 0 || overlong) endLine();
  reader.end();

  function take(piece: Buffer): void {
    if (overlong || piece.length === 0) return;
    if (length + piece.length > LOG_LINE_MAX_CHARS) {
      overlong = true;
      parts = [];
      length = 0;
      return;
    }
    parts.push(piece);
    length += piece.length;
  }
}

function writeOutput(flag: string, file: string, text: string, output: Output): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot write: ${(error as Error).message}`);
  }
  output.out(`wrote ${file}`);
}

function describeSummary(record: RunRecord, summary: LogSummary): string[] {
  const clients = record.lanes.filter((lane) => lane.kind === 'client').length;
  const returned = record.operations.filter((operation) => operation.returnMs !== undefined).length;
  // A faulty replica may claim a view per line: the first few and how many, not a line of megabytes.
  const seen = record.views.map((band) => band.view);
  const views = seen.length <= 12 ? seen : [...seen.slice(0, 10), `… ${seen.at(-1)} (${seen.length} views)`];
  const lines = [
    `picture of cluster ${record.source.kind === 'cluster' ? record.source.clusterId.slice(0, 16) : '?'}: ${summary.lines} lines from ${summary.sessions} process runs, ${record.n} replicas and ${clients} clients, ${(record.endMs / 1000).toFixed(3)} s`,
    `messages: ${summary.messages}, ${summary.unmatchedSends} with no logged receive; ${summary.unmatchedReceives} receives with no logged send`,
    `views: ${views.join(', ')}; operations: ${record.operations.length} (${returned} returned); ${record.verdict.linearizability ?? 'not checked'}`,
  ];
  // A violation names operations, whose values are the clients' strings: printed, not obeyed, by the terminal.
  for (const violation of record.verdict.violations) lines.push(printable(`violation: ${violation.property}: ${violation.detail}`));
  if (summary.historyGaps.length > 0) {
    const found = summary.setAside === undefined ? '' : `; a violation in the operations there are is not a finding (an operation not logged may explain it): ${summary.setAside}`;
    lines.push(printable(`the clients' history is incomplete: ${summary.historyGaps.join('; ')}${found}`));
  }
  const malformed = Object.entries(summary.malformed).filter(([, count]) => count > 0);
  if (malformed.length > 0) lines.push(`malformed lines skipped: ${malformed.map(([file, count]) => `${file} ${count}`).join(', ')}`);
  if (summary.capped.length > 0) lines.push(`logs that reached their size cap (the run goes on past their end): ${summary.capped.join(', ')}`);
  if (summary.skippedLines > 0) lines.push(`lines the processes skipped while their disk fell behind: ${summary.skippedLines}`);
  if (summary.unprovenEvidence > 0) lines.push(`evidence items left out, their frames not signed as they claim with the cluster's keys: ${summary.unprovenEvidence}`);
  return lines;
}
