// The package as a user gets it: `npm pack` (which builds dist/ through "prepare"),
// installed into a fresh directory outside the repository, then imported by plain node
// (no tsx anywhere), type-checked by a strict TypeScript file, and run through its
// installed `pancydb` command, scenario files included. Dependencies come from the npm
// cache (--offline); only if it lacks one does npm fall back to --prefer-offline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPancydb } from '../../src/index.ts';
import { toHex } from '../../src/core/bytes.ts';

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(REPOSITORY, 'node_modules', 'typescript', 'bin', 'tsc');

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command as a user's shell would: without the npm_* variables `npm test` sets
 * (npm_config_local_prefix would point a nested npm at this repository) and without
 * NODE_OPTIONS (a loader there would hide a missing build).
 */
function run(command: string, args: readonly string[], cwd: string): Ran {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && name !== 'NODE_OPTIONS'));
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(command: string, args: readonly string[], cwd: string): Ran {
  const ran = run(command, args, cwd);
  if (ran.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${ran.status}\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

const USE_MJS = `
import { createPancydb, runSeed, DEFAULT_NETWORK, lockseqWorkloadOf } from 'pancydb-bft';
import { connect, loadClusterConfig } from 'pancydb-bft/deploy';
const db = createPancydb();
const put = db.execute({ type: 'put', key: 'a', value: 'x' });
const digest = Buffer.from(db.digest()).toString('hex');
const { report } = runSeed({ seed: 1, n: 4, durationMs: 1000, workload: lockseqWorkloadOf('ci', 2), network: DEFAULT_NETWORK });
console.log(JSON.stringify({ put, digest, violations: report.violations.length, committed: report.committed, deploy: typeof connect + ' ' + typeof loadClusterConfig }));
`;

const USE_TS = `
import { createPancydb, defineAdversary, runSeed, DEFAULT_NETWORK, lockseqWorkloadOf, type OperationResult, type SeedReport } from 'pancydb-bft';

const db = createPancydb();
const put: OperationResult = db.execute({ type: 'put', key: 'a', value: 'x' });
const digest: Uint8Array = db.digest();
const report: SeedReport = runSeed({ seed: 1, n: 4, durationMs: 1000, workload: lockseqWorkloadOf('ci', 2), network: DEFAULT_NETWORK }).report;
export const summary = \`\${put.status} \${digest.length} \${report.violations.length}\`;

export default defineAdversary({
  name: 'quiet',
  faultModel: 'omission: drops its own COMMITs',
  attacks: 'nothing the other 2f+1 cannot make up for',
  options: { keep: { kind: 'boolean', default: false, doc: 'keep the COMMITs after all' } },
  create(api, options) {
    const keep: boolean = options.keep;
    return { step: (input) => api.step(input).filter((output) => keep || output.kind !== 'broadcast' || output.signed.message.type !== 'commit') };
  },
});
`;

// A user's adversary with no imports; the same text is valid JavaScript and TypeScript.
const USER_ADVERSARY = `export default {
  name: 'late-commits',
  faultModel: 'timing: delays its own COMMITs',
  attacks: 'latency only',
  options: {},
  create(api) {
    return { step: (input) => api.step(input).map((output) => output.kind === 'broadcast' && output.signed.message.type === 'commit' ? { ...output, delayMs: 30 } : output) };
  },
};
`;

function userScenario(adversaryFile: string): string {
  return JSON.stringify({ name: `user-${adversaryFile}`, f: 1, faulty: { '3': { adversary: `./${adversaryFile}` } }, workload: { kind: 'lockseq', clients: 2, durationS: 1 }, seeds: 1 });
}

describe('the installed package: npm pack, then npm install into a fresh directory outside the repository', () => {
  let directory = '';
  const bin = () => join(directory, 'node_modules', '.bin', 'pancydb');
  const installed = () => join(directory, 'node_modules', 'pancydb-bft');

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'pancydb-package-'));
    mustRun('npm', ['pack', '--pack-destination', directory], REPOSITORY);
    const tarball = readdirSync(directory).find((file) => file.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack wrote no tarball to ${directory}`);
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'pancydb-package-check', private: true, type: 'module' }));
    const install = ['install', '--no-audit', '--no-fund', `./${tarball}`];
    if (run('npm', [...install, '--offline'], directory).status !== 0) mustRun('npm', [...install, '--prefer-offline'], directory);
  }, 240_000);

  afterAll(() => {
    if (directory !== '') rmSync(directory, { recursive: true, force: true });
  });

  it('ships the compiled code, the compiled built-in adversaries and the scenario files, and no sources, tests or notebook', () => {
    const shipped = readdirSync(installed()).sort();
    expect(shipped).toEqual(expect.arrayContaining(['README.md', 'adversaries', 'bin', 'dist', 'package.json']));
    for (const absent of ['src', 'test', 'notebook', 'bench', 'tsconfig.json']) expect(shipped).not.toContain(absent);
    for (const file of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/adversaries/silent.js', 'adversaries/scenarios/silent.json']) {
      expect(existsSync(join(installed(), file)), file).toBe(true);
    }
    expect(readdirSync(join(installed(), 'adversaries')).sort()).toEqual(['README.md', 'scenarios']);
  });

  it('plain node imports it from an .mjs file: execute and digest agree with the sources, one tiny seed runs clean', () => {
    writeFileSync(join(directory, 'use.mjs'), USE_MJS);
    const out = JSON.parse(mustRun(process.execPath, ['use.mjs'], directory).stdout) as { put: unknown; digest: string; violations: number; committed: number; deploy: string };
    expect(out.deploy).toBe('function function');
    const reference = createPancydb();
    expect(out.put).toEqual(reference.execute({ type: 'put', key: 'a', value: 'x' }));
    expect(out.digest).toBe(toHex(reference.digest()));
    expect(out.violations).toBe(0);
    expect(out.committed).toBeGreaterThan(0);
  });

  it('a strict TypeScript file using it type-checks with moduleResolution nodenext: no errors', () => {
    writeFileSync(join(directory, 'use.ts'), USE_TS);
    const checked = run(process.execPath, [TSC, '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'use.ts'], directory);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('the installed pancydb command prints its help and runs a short simulation', () => {
    const help = mustRun(bin(), ['--help'], directory);
    expect(help.stdout).toContain('Usage: pancydb');
    const sim = mustRun(bin(), ['sim', '-R', '1', '--profile', 'ci', '--duration', '2'], directory);
    expect(sim.stdout.trim().split('\n').at(-1)).toMatch(/^PASS seeds=1 failures=0/);
  });

  it('the installed pancydb command draws a run: the page carries the viewer (src/picture/viewer/*.js ship in dist) and the packed run', () => {
    mustRun(bin(), ['sim', '-R', '1', '--profile', 'ci', '--duration', '1', '--html', 'run.html'], directory);
    const page = readFileSync(join(directory, 'run.html'), 'utf8');
    expect(page).toContain('<canvas id="plot"');
    expect(page).toMatch(/<script type="application\/octet-stream" id="run-data">[A-Za-z0-9+/=]{100,}<\/script>/);
    // The viewer's own code, inlined: a page without it would draw nothing.
    expect(page.match(/<script>([\s\S]*)<\/script>/)?.[1]?.length ?? 0).toBeGreaterThan(10_000);
  });

  it('runs a shipped scenario file, whose built-in adversary is compiled, on two worker threads', () => {
    const scenario = join('node_modules', 'pancydb-bft', 'adversaries', 'scenarios', 'silent.json');
    const sim = mustRun(bin(), ['sim', '--scenario', scenario, '-R', '2', '--workers', '2'], directory);
    expect(sim.stdout.trim().split('\n').at(-1)).toMatch(/^PASS seeds=2 failures=0/);
  });

  it('loads a user adversary written as .mjs; one written as .ts needs tsx (not installed here) or a Node that strips types', () => {
    writeFileSync(join(directory, 'late-commits.mjs'), USER_ADVERSARY);
    writeFileSync(join(directory, 'late-commits.ts'), USER_ADVERSARY);
    writeFileSync(join(directory, 'user-mjs.json'), userScenario('late-commits.mjs'));
    writeFileSync(join(directory, 'user-ts.json'), userScenario('late-commits.ts'));
    const mjs = mustRun(bin(), ['sim', '--scenario', 'user-mjs.json'], directory);
    expect(mjs.stdout.trim().split('\n').at(-1)).toMatch(/^PASS seeds=1 failures=0/);
    const ts = run(bin(), ['sim', '--scenario', 'user-ts.json'], directory);
    const stripsTypes = Boolean(Reflect.get(process.features, 'typescript')); // Node 22.10+: 'strip' or 'transform' when on
    if (stripsTypes) {
      expect(ts.status).toBe(0);
    } else {
      expect(ts.status).toBe(2);
      expect(ts.stderr).toContain(join(directory, 'late-commits.ts'));
      expect(ts.stderr).toMatch(/install tsx .* or write the adversary as a \.js or \.mjs file/);
    }
  });
});
