// How a bench script starts and ends: its flags parsed, a usage error printed with the
// script's usage and exit status 2, then main's exit status, or its failure printed and
// exit 1 (a usage error found late, such as an unreadable file, still exits 2).
import { UsageError } from '../src/cli/usage-error.ts';

export function runBenchScript<Options>(name: string, usage: string, parse: (args: string[]) => Options, main: (options: Options) => Promise<number>): void {
  let options: Options;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n${usage}\n`);
    process.exit(2);
  }
  main(options).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof UsageError ? error.message : ((error as Error).stack ?? String(error))}\n`);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
