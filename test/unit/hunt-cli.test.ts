// The `pancydb hunt` command line: usage errors exit 2 naming the flag, --help, and a
// small hunt of the protocol as specified that finds nothing and exits 0.
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

async function huntCommand(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(['hunt', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('pancydb hunt: the command line', () => {
  it.each([
    [['--budget', '0'], '--budget'],
    [['--budget', 'soon'], '--budget'],
    [['--budget'], '--budget'],
    [['--schedules', '-3'], '--schedules'],
    [['--schedules', '1.5'], '--schedules'],
    [['--workers', '0'], '--workers'],
    [['--workers', '100000'], '--workers'],
    [['-n', '5'], '-n'],
    [['--seed', 'x'], '--seed'],
    [['--seed', '1', '--seed', '2'], '--seed'],
    [['--out', '/no/such/directory/h.json', '--schedules', '1'], '--out'],
    [['--flaw', 'commit-on-2f'], '--flaw'],
    [['--scenario', 'x.json'], '--scenario'],
    [['extra'], 'extra'],
  ])('%j is a usage error (exit 2) naming %s, and runs nothing', async (args, flag) => {
    const result = await huntCommand(args);
    expect(result.status).toBe(2);
    expect(result.err).toContain(flag);
    expect(result.err).toContain("Try 'pancydb hunt --help'");
    expect(result.out).toBe('');
  });

  it('--help prints the usage with every option and exits 0', async () => {
    const result = await huntCommand(['--help']);
    expect(result.status).toBe(0);
    for (const option of ['--seed', '--budget', '--schedules', '--workers', '-n 4|7', '--out']) expect(result.out).toContain(option);
  });

  it('a hunt of the protocol as specified over 2 schedules finds nothing, exits 0 and writes no file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hunt-cli-')), 'found.json');
    const result = await huntCommand(['--seed', '3', '--schedules', '2', '--workers', '1', '-n', '4', '--out', out]);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    expect(result.out).toContain('nothing found: 2 schedules');
    expect(existsSync(out)).toBe(false);
  });
});
