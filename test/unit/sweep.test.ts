// Sweeps on worker threads and shrinking (`pancydb sim -R N`, `--shrink`): threads change
// how fast seeds run, never what they print; a shrunk scenario still fails with its seed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const SCENARIOS = 'test/fixtures/scenarios';

async function run(args: string[], withProgress = false): Promise<{ status: number; out: string[]; err: string[]; progress: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const output = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), ...(withProgress ? { progress: (line: string) => progress.push(line) } : {}) };
  const status = await main(args, output);
  return { status, out, err, progress };
}

describe('pancydb sim -R N on worker threads', () => {
  it('two workers print exactly what one thread prints, in seed order', async () => {
    const args = ['sim', '--scenario', `${SCENARIOS}/silent-primary.json`, '-S', '3', '-R', '4', '--json'];
    const threaded = await run([...args, '--workers', '2'], true);
    const inline = await run([...args, '--workers', '1']);
    expect(threaded.status).toBe(0);
    expect(threaded.out).toEqual(inline.out);
    expect(threaded.out.slice(0, 4).map((line) => (JSON.parse(line) as { seed: number }).seed)).toEqual([3, 4, 5, 6]);
    // Progress counts up to 4 seeds and clears itself at the end.
    expect(threaded.progress.some((line) => line.startsWith('seeds 1/4'))).toBe(true);
    expect(threaded.progress.at(-1)).toBe('');
  });

  it('a failing seed found by a worker is named with a one-line replay command', async () => {
    const result = await run(['sim', '--scenario', `${SCENARIOS}/shrinkable.json`, '-S', '1', '-R', '2', '--workers', '2']);
    expect(result.status).toBe(0); // the scenario expects a violation
    expect(result.out.join('\n')).toContain('expected violation found at seed 1');
  });

  it('--workers 0 is a usage error', async () => {
    const result = await run(['sim', '--workers', '0']);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain('--workers must be at least 1');
  });
});

describe('pancydb sim --shrink', () => {
  it('shrinks a failing seed to a smaller scenario that still fails the same way', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'pancydb-shrink-')), 'shrunk.json');
    const result = await run(['sim', '--scenario', `${SCENARIOS}/shrinkable.json`, '-S', '1', '-R', '1', '--shrink', target]);
    expect(result.status).toBe(0);
    const original = JSON.parse(readFileSync(`${SCENARIOS}/shrinkable.json`, 'utf8')) as { workload: { clients: number; durationS: number } };
    const shrunk = JSON.parse(readFileSync(target, 'utf8')) as { workload: { clients: number; durationS: number }; network: { loss: number } };
    expect(shrunk.workload.clients).toBeLessThan(original.workload.clients);
    expect(shrunk.workload.durationS).toBeLessThanOrEqual(original.workload.durationS);
    const replay = result.out.find((line) => line.startsWith('replay: '));
    expect(replay).toContain(`--scenario ${target} -S 1 -R 1`);
    // The shrunk file runs on its own and still breaks agreement with seed 1.
    const again = await run(['sim', '--scenario', target, '-S', '1', '-R', '1']);
    expect(again.out.join('\n')).toContain('VIOLATION agreement');
  });

  it('needs a scenario and a single seed', async () => {
    const result = await run(['sim', '--shrink', '/tmp/x.json', '-R', '3']);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain('--shrink needs --scenario FILE and one seed');
  });
});
