// adversaries/README.md stays true: its worked example, copied into a directory outside
// the repository exactly as printed, loads by path from a scenario file and runs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const README = readFileSync(new URL('../../adversaries/README.md', import.meta.url), 'utf8');
const section = README.slice(README.indexOf('## A worked example'), README.indexOf('## Built-in adversaries'));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({ language: match[1], code: match[2]! }));

describe('adversaries/README.md worked example', () => {
  it('has the adversary module and the scenario file', () => {
    expect(blocks.map((block) => block.language)).toEqual(['js', 'json']);
  });

  it('runs from a directory outside the repository: the adversary lies and the checkers pass', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pancydb-readme-'));
    writeFileSync(join(directory, 'lagging-liar.mjs'), blocks[0]!.code);
    writeFileSync(join(directory, 'my-lagging-liar.json'), blocks[1]!.code);
    const out: string[] = [];
    const err: string[] = [];
    const status = await main(['sim', '--scenario', join(directory, 'my-lagging-liar.json'), '-S', '1', '-R', '1', '-V'], { out: (line) => out.push(line), err: (line) => err.push(line) });
    expect(err).toEqual([]);
    expect(status).toBe(0);
    expect(out.some((line) => line.includes('ADVERSARY lagging-liar: lie #'))).toBe(true);
    expect(out.at(-1)).toMatch(/^PASS seeds=1 failures=0/);
  });
});
