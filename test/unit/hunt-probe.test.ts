// bench:hunt-probe (bench/hunt-probe.ts): a usage error names the flag and exits 2, as every
// bench script's does (bench/script.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = (args: string[]) => run('node_modules/.bin/tsx', ['bench/hunt-probe.ts', ...args], { encoding: 'utf8' });

describe('bench:hunt-probe', () => {
  it('a usage error exits 2 naming the flag', async () => {
    const failure = await probe(['--flaw', 'no-such-flaw', '--adversary', 'twin']).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('--flaw: unknown flaw no-such-flaw');
  }, 60_000);
});
