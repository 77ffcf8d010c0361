// adversaries/README.md stays true: its worked example, copied into a directory outside
// the repository exactly as printed, loads by path from a scenario file and runs.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { defineAdversary } from '../../src/adversary/adversary.ts';
import { DEFAULT_PARAMETERS } from '../../src/core/config.ts';
import { builtInAdversaryNames } from '../../src/scenario/adversary-module.ts';
import { simulate } from '../support/simulate.ts';
import { SCENARIO_DIR } from '../support/scenario-sweep.ts';

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

describe('adversaries/README.md names what ships', () => {
  it('every built-in adversary, in the table of built-ins or by its file', () => {
    const table = README.slice(README.indexOf('## Built-in adversaries'));
    const unnamed = builtInAdversaryNames().filter((name) => !table.includes(`| \`${name}\` |`) && !README.includes(`${name}.ts`));
    expect(unnamed).toEqual([]);
  });

  it('every shipped scenario that turns on an optimization (OSDI\'99 §5.1), by its file name', () => {
    const files = readdirSync(SCENARIO_DIR).filter((file) => file.endsWith('.json') && 'optimizations' in JSON.parse(readFileSync(`${SCENARIO_DIR}${file}`, 'utf8')));
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.filter((file) => !README.includes(`\`${file}\``))).toEqual([]);
  });
});

describe('AdversaryApi members the README documents', () => {
  interface Seen {
    lowWatermark: number;
    highWatermark: number;
    active: boolean;
    stableSeq: number;
    proofSigners: number[];
    headerValid: boolean;
    headerFields: string;
    fedDrop: string | undefined;
    fedOwnStatus: number;
  }
  const seen: Partial<Seen> = {};
  const recorder = defineAdversary({
    name: 'recorder',
    faultModel: 'honest; records what the api shows',
    attacks: 'nothing',
    options: {},
    create(api) {
      return {
        step(input) {
          const outputs = api.step(input);
          if (input.nowMs < 7000 || seen.lowWatermark !== undefined) return outputs;
          const stable = api.stableCheckpoint;
          const header = api.prePrepareHeader(9, 1234, api.sha256(new Uint8Array([1])));
          const key = api.replica.config.replicaKeys[api.id]!;
          // A message signed by this replica but handed in as if replica 2 sent it: links are authenticated.
          const status = api.sign({ type: 'status', view: api.replica.view, stableSeq: 0, lastExecuted: 0, replica: api.id });
          const fed = api.feed(status.frame, { kind: 'replica', id: 2 });
          const own = api.feed(status.frame, { kind: 'replica', id: api.id });
          Object.assign(seen, {
            lowWatermark: api.lowWatermark,
            highWatermark: api.highWatermark,
            active: api.active,
            stableSeq: stable.seq,
            proofSigners: stable.proof.map((vote) => vote.message.replica),
            headerValid: api.replica.config.crypto.verify(key, header.signedBytes, header.signature),
            headerFields: `${header.message.type} v=${header.message.view} n=${header.message.seq} by ${header.message.replica} batch=${'batch' in header.message}`,
            fedDrop: fed.find((output) => output.kind === 'drop')?.reason,
            fedOwnStatus: own.filter((output) => output.kind === 'drop').length,
          });
          expect(api.lowWatermark).toBe(api.replica.lowWatermark);
          expect(api.highWatermark).toBe(api.replica.highWatermark);
          return outputs;
        },
      };
    },
  });
  const run = simulate({ seed: 2, faulty: new Map([[3, { definition: recorder, options: {} }]]) });

  it('runs: the recorder saw the replica late in the run', () => {
    expect(run.report.violations).toEqual([]);
    expect(seen.lowWatermark).toBeDefined();
  });

  it('lowWatermark, highWatermark and active are the wrapped replica\'s h, H = h + L and active flag', () => {
    expect(seen.lowWatermark).toBeGreaterThan(0);
    expect(seen.highWatermark).toBe(seen.lowWatermark! + DEFAULT_PARAMETERS.logWindow);
    expect(seen.active).toBe(true);
  });

  it('stableCheckpoint is h with its 2f+1 signed CHECKPOINTs from distinct replicas', () => {
    expect(seen.stableSeq).toBe(seen.lowWatermark);
    expect(new Set(seen.proofSigners).size).toBe(3);
  });

  it('prePrepareHeader signs a batchless PRE-PREPARE header with the adversary\'s own key', () => {
    expect(seen.headerValid).toBe(true);
    expect(seen.headerFields).toBe('pre-prepare v=9 n=1234 by 3 batch=false');
  });

  it('feed runs the replica on a crafted frame; one claiming another sender is dropped as sender-not-signer', () => {
    expect(seen.fedDrop).toBe('sender-not-signer');
    expect(seen.fedOwnStatus).toBe(0);
  });
});
