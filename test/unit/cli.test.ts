// The `pancydb` command line: usage errors exit 2 naming the flag, a passing run ends
// with the PASS line, and JSON output has the documented fields.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseSimArgs } from '../../src/cli/sim-options.ts';
import { replayCommand } from '../../src/cli/sim.ts';

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

describe('pancydb sim: usage errors exit with status 2 and name the flag', () => {
  it.each([
    [['sim', '-n', '5'], '-n must be 3f+1'],
    [['sim', '-n', 'four'], '-n needs a whole number'],
    [['sim', '-l', '1.5'], '-l needs a probability'],
    [['sim', '-l'], '-l needs a value'],
    [['sim', '--profile', 'huge'], '--profile must be full or ci'],
    [['sim', '--bogus'], 'unknown option --bogus'],
    [['sim', '--crash', 'x'], '--crash needs REPLICA@SECONDS'],
    [['sim', '--crash', '9@1'], '--crash names replica 9'],
    [['sim', '--duration', '-3'], '--duration needs a non-negative number'],
    [['sim', '--crypto', 'rot13'], '--crypto must be native or noble'],
    [['sim', '--workload', 'random', '--mix', 'get=x'], '--mix'],
    [['sim', '--silent', '0'], '--silent needs REPLICA@FROM'],
    [['sim', '--silent', '7@1'], '--silent names replica 7'],
    [['sim', '--partition', '5-35:0,1'], '--partition needs FROM-UNTIL:GROUPS'],
    [['sim', '--partition', '5-35:0,1/9'], '--partition names replica 9'],
    [['sim', '--crash', '2@5-3'], 'the restart must come after the crash'],
    [['sim', '--work-until', 'soon'], '--work-until needs a non-negative number'],
    [['demo', '--bogus'], 'unknown option --bogus'],
    [['launch'], 'unknown command launch'],
  ])('%j', async (args, message) => {
    const result = await run(args);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain(message);
    expect(result.out).toEqual([]);
  });
});

describe('pancydb sim: a run', () => {
  it('prints per-seed phase counts and ends with PASS seeds=N failures=0', async () => {
    const result = await run(['sim', '-S', '3', '-R', '2', '--profile', 'ci', '--duration', '3']);
    expect(result.status).toBe(0);
    expect(result.out).toHaveLength(3);
    expect(result.out[0]).toMatch(/^seed 3: \d+ lock, \d+ write, \d+ clear, \d+ unlock;/);
    expect(result.out[1]).toMatch(/^seed 4: /);
    expect(result.out.at(-1)).toBe('PASS seeds=2 failures=0');
  });

  it('--json prints one object per seed with the documented fields', async () => {
    const result = await run(['sim', '-S', '5', '--profile', 'ci', '--duration', '2', '--json']);
    const report = JSON.parse(result.out[0]!);
    for (const field of ['seed', 'n', 'f', 'lock', 'write', 'clear', 'unlock', 'committed', 'viewChanges', 'stateDigests', 'violations']) {
      expect(report).toHaveProperty(field);
    }
    expect(report.seed).toBe(5);
    expect(Object.keys(report.stateDigests)).toEqual(['0', '1', '2', '3']);
  });

  it('-V prints protocol events in the documented shape', async () => {
    const result = await run(['sim', '-S', '1', '--profile', 'ci', '--duration', '1.2', '-V']);
    expect(result.out.some((line) => /^\d+\.\d{3} 0->2 PREPARE v=0 n=\d+ d=[0-9a-f]{6}$/.test(line) || /^\d+\.\d{3} 1->2 PREPARE v=0 n=\d+ d=[0-9a-f]{6}$/.test(line))).toBe(true);
    expect(result.out.some((line) => / EXECUTE v=0 n=1 /.test(line))).toBe(true);
  });

  it('the replay command keeps the flags that shape the run and names the seed', () => {
    const command = parseSimArgs(['-S', '9', '-R', '100', '-n', '7', '-l', '0.2', '--profile', 'ci', '--json']);
    expect(replayCommand(command, 17)).toBe('npx pancydb sim -S 17 -n 7 -l 0.2 --profile ci -V');
  });
});
