// bench/memory.ts rejects bad flags before it starts anything: exit 2, the flag named.
// (The run itself takes minutes on real processes; the lead runs it by hand.)
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../bench/memory.ts');

function runMemoryBench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { timeout: 60_000 }, (error, stdout, stderr) => done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }));
  });
}

describe('npm run bench:memory: usage errors', () => {
  it('a non-number, an unknown mode and a warm-up as long as the run each exit 2 naming the flag, with nothing on stdout', async () => {
    const cases: [string[], string][] = [
      [['--ops', '1e6'], '--ops: must be a whole number'],
      [['--auth', 'rsa'], '--auth: must be mac or signed'],
      [['--ops', '100', '--warmup-ops', '100'], '--warmup-ops: must be less than --ops'],
    ];
    const results = await Promise.all(cases.map(([args]) => runMemoryBench(args)));
    results.forEach((result, index) => {
      const [args, message] = cases[index]!;
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`memory: ${message}`);
      expect(result.stderr).toContain('usage: npm run bench:memory --');
      expect(result.stdout).toBe('');
    });
  });
});
