// Real `pancydb` processes for the deployment tests: spawn, wait for a line or an HTTP
// answer with a bounded polling loop (never a bare sleep), and kill everything afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The installed command: bin/pancydb.js, as `npx pancydb` runs it. */
export const BIN = resolve(import.meta.dirname, '../../bin/pancydb.js');

export interface Running {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

const running = new Set<ChildProcess>();

export interface StartOptions {
  /** Flags for node itself, before the script (e.g. --import of a preload). */
  readonly nodeArgs?: readonly string[];
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export function start(args: readonly string[], options: StartOptions = {}): Running {
  const env = options.env === undefined ? process.env : { ...process.env, ...options.env };
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  running.add(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { running.delete(child); resolve(code); }));
  return {
    child,
    lines,
    exited,
    waitFor: async (pattern, timeoutMs) => {
      await until(() => lines.some((line) => pattern.test(line)) || child.exitCode !== null, timeoutMs, `a line matching ${pattern}`);
      const line = lines.find((candidate) => pattern.test(candidate));
      if (line === undefined) throw new Error(`exited (${child.exitCode}) before printing ${pattern}:\n${lines.join('\n')}`);
      return line;
    },
  };
}

/** Runs a command to its end (killed after `timeoutMs`); its status and output. */
export async function run(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string }> {
  const process = start(args);
  const timer = setTimeout(() => process.child.kill('SIGKILL'), timeoutMs);
  const code = await process.exited;
  clearTimeout(timer);
  return { code, stdout: process.lines.join('\n') };
}

export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function getJson(url: string): Promise<Record<string, any> | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return (await response.json()) as Record<string, any>;
  } catch {
    return undefined;
  }
}
