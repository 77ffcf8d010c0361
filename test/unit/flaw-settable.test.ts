// Deliberately broken protocol variants (src/core/flaws.ts) are for tests only: neither the
// CLI nor a scenario file can turn one on, so a user never runs a broken replica by a typo
// or a copied file. The simulator's `flaws` option is the only way in.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { UsageError } from '../../src/cli/usage-error.ts';
import { PROTOCOL_FLAWS } from '../../src/core/flaws.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';

const MINIMAL = { name: 'x', f: 1, workload: { kind: 'lockseq', clients: 2, durationS: 1 } };

async function sim(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(['sim', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

/** Every .ts file under `directory`, recursively. */
function sources(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(directory, entry.name)) : entry.name.endsWith('.ts') ? [join(directory, entry.name)] : [],
  );
}

describe('protocol flaws cannot be set from the CLI or a scenario file', () => {
  it.each([['--flaw'], ['--flaws'], ['--protocol-flaw']])('pancydb sim %s commit-on-2f is a usage error (exit 2) naming the flag, and runs nothing', async (flag) => {
    const result = await sim([flag, 'commit-on-2f', '-R', '1']);
    expect(result.status).toBe(2);
    expect(result.err.join('\n')).toContain(flag);
    expect(result.out).toEqual([]);
  });

  it('a scenario with a top-level "flaws" field is refused, naming the field', async () => {
    const text = JSON.stringify({ ...MINIMAL, flaws: ['commit-on-2f'] });
    await expect(loadScenarioText(text, 'flawed.json')).rejects.toThrow(UsageError);
    await expect(loadScenarioText(text, 'flawed.json')).rejects.toThrow(/flaws/);
  });

  it('a scenario with "flaws" among its parameters is refused, naming the field', async () => {
    const text = JSON.stringify({ ...MINIMAL, parameters: { flaws: ['cas-as-put'] } });
    await expect(loadScenarioText(text, 'flawed.json')).rejects.toThrow(/parameters\.flaws/);
  });

  it('a loaded scenario makes run options without flaws', async () => {
    const scenario = await loadScenarioText(JSON.stringify(MINIMAL), 'minimal.json');
    expect(scenarioRunOptions(scenario, 1)).not.toHaveProperty('flaws');
  });

  it("no file of the CLI, the scenario loader, the deployment or the adversaries' host imports flaws.ts, sets `flaws` or names a flaw", () => {
    const offenders: string[] = [];
    for (const file of ['src/cli', 'src/scenario', 'src/deploy', 'src/adversary'].flatMap(sources)) {
      const text = readFileSync(file, 'utf8');
      if (/hasFlaw|ProtocolFlaw|core\/flaws|\bflaws\s*[:?]/.test(text) || PROTOCOL_FLAWS.some((flaw) => text.includes(`'${flaw}'`))) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
