// The benchmark's server processes: `pancydb replica` children (as `pancydb up` starts
// them) and the unreplicated baseline (`pancydb bench --serve-unreplicated`). Each is
// ready when it prints its ready line; its output is kept (the last lines, for an error
// message) so that a full pipe never blocks it. CPU time is read from /proc where there is
// one, to show how busy the servers were during a window.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The ready line, or an Error naming the process and its last lines if it exited first. */
  readonly ready: Promise<string>;
  readonly exited: Promise<void>;
  /** Last lines printed, newest last. */
  readonly tail: string[];
  /** Whether it has printed its ready line. */
  readonly isReady: () => boolean;
}

const TAIL_LINES = 30;

/**
 * Runs `pancydb ARGS` with this process's node and, by default, its entry point (as up.ts
 * does). A script that is not the pancydb command (bench/memory.ts) passes `entry`, the
 * node arguments that run pancydb, e.g. [bin/pancydb.js].
 */
export function startPancydb(name: string, args: readonly string[], readyPattern: RegExp, nodeFlags: readonly string[] = [], entry: readonly string[] = [...process.execArgv, process.argv[1]!]): ServerProcess {
  const child = spawn(process.execPath, [...nodeFlags, ...entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let readyLine: string | undefined;
  let settle: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => {}); // Observed by the caller; never an unhandled rejection.
  const keep = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (readyLine === undefined && readyPattern.test(line)) {
      readyLine = line;
      settle?.resolve(line);
    }
  };
  createInterface({ input: child.stdout! }).on('line', keep);
  createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      settle?.reject(new Error(`${name} exited (${signal ?? `status ${code}`}) before it was ready:\n${tail.join('\n')}`));
      resolve();
    }),
  );
  return { name, child, ready, exited, tail, isReady: () => readyLine !== undefined };
}

/**
 * Every server's ready line, in order. A server that neither prints it nor exits within
 * `timeoutMs` fails the wait with an error naming it, with what it printed and its state
 * from /proc: a process hung while starting (a module-loader deadlock, a lost disk) must
 * not hang the benchmark with it.
 */
export async function allReady(servers: readonly ServerProcess[], timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs / 1000} s:\n${stalled(servers).join('\n')}`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(servers.map((server) => server.ready)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The servers still starting: name, pid, process state and thread count, and their last lines. */
function stalled(servers: readonly ServerProcess[]): string[] {
  const lines: string[] = [];
  for (const server of servers) {
    if (server.isReady() || server.child.exitCode !== null || server.child.signalCode !== null) continue;
    const pid = server.child.pid;
    lines.push(`- ${server.name}, pid ${pid ?? 'none'}${procState(pid)}: ${server.tail.length === 0 ? 'printed nothing' : `last lines:\n${server.tail.map((line) => `    ${line}`).join('\n')}`}`);
  }
  return lines;
}

/** ", state S (sleeping), 11 threads" from /proc/PID/status, or '' without /proc. */
function procState(pid: number | undefined): string {
  if (pid === undefined) return '';
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(status)?.[1]?.trim();
    return `, state ${field('State') ?? '?'}, ${field('Threads') ?? '?'} threads`;
  } catch {
    return '';
  }
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopProcess(server: ServerProcess, graceMs = 10_000): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  await server.exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) a process has used so far, or undefined without /proc. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return Number.isFinite(ticks) ? ticks / 100 : undefined; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}
