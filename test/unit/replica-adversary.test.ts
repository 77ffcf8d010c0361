// `pancydb replica --adversary …`: a bad adversary, bad options or an adversary a process
// cannot host are usage errors (exit 2) naming the flag, found before anything listens;
// and a hosted adversary's clock starts with its driver (HostContext.clockOriginMs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAdversary } from '../../src/adversary/adversary.ts';
import { HostedAdversary } from '../../src/adversary/host.ts';
import { main } from '../../src/cli/main.ts';
import type { ReplicaConfig } from '../../src/core/config.ts';
import type { ReplicaInput } from '../../src/core/replica.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { deriveSecretKey } from '../../src/crypto/index.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { createRng } from '../../src/sim/rng.ts';
import { crypto, TEST_PARAMETERS } from '../support/pump.ts';

let dir: string;
let clusterFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-replica-adversary-'));
  ({ file: clusterFile } = await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 1, crypto: createNativeCrypto() }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function replica(...flags: string[]): Promise<{ status: number; err: string }> {
  const err: string[] = [];
  const status = await main(['replica', '--cluster', clusterFile, '--id', '1', '--data', join(dir, 'data-1'), ...flags], { out: () => undefined, err: (line) => err.push(line) });
  return { status, err: err.join('\n') };
}

describe('pancydb replica --adversary: usage errors exit 2 and name the flag', () => {
  it.each([
    [['--adversary', 'nope'], 'pancydb: --adversary: no built-in adversary "nope" (built-ins: byzzfuzz, censor,'],
    [['--adversary', './no-such-adversary.ts'], 'pancydb: --adversary: no file ./no-such-adversary.ts'],
    [['--adversary', 'silent', '--adversary-options', '{fromS: 0}'], 'pancydb: --adversary-options: not valid JSON:'],
    [['--adversary', 'silent', '--adversary-options', '[0]'], 'pancydb: --adversary-options: must be a JSON object'],
    [['--adversary', 'silent', '--adversary-options', '{"fromS":-1}'], 'pancydb: --adversary-options: fromS: must be at least 0, got -1 (adversary "silent")'],
    [['--adversary', 'equivocate', '--adversary-options', '{"probability":2}'], 'pancydb: --adversary-options: probability: must be at most 1, got 2 (adversary "equivocate")'],
    [['--adversary', 'equivocate', '--adversary-options', '{"role":"spy"}'], 'pancydb: --adversary-options: role: must be one of primary, backup, both, got "spy"'],
    [['--adversary', 'silent', '--adversary-options', '{"fromSeconds":1}'], 'pancydb: --adversary-options: fromSeconds: unknown option (known: fromS, untilS, towards, onlyAsPrimary)'],
    [['--adversary-options', '{}'], 'pancydb: --adversary-options: only with --adversary NAME|PATH'],
    [['--adversary', 'silent', '--adversary-seed', ''], 'pancydb: --adversary-seed: must not be empty'],
  ])('%j', async (flags, message) => {
    const result = await replica(...flags);
    expect(result.status).toBe(2);
    expect(result.err).toContain(message);
  });

  it('twin needs a second network identity: refused at start, pointing at the simulator', async () => {
    const result = await replica('--adversary', 'twin');
    expect(result.status).toBe(2);
    expect(result.err).toContain('pancydb: adversary "twin" at replica 1: api.spawnTwin() is not available here');
    expect(result.err).toContain('pancydb sim --scenario FILE');
  });
});

describe('HostedAdversary: the adversary clock starts at clockOriginMs', () => {
  it("the adversary sees time since the origin; the replica inside, the driver's time", () => {
    const keyPairs = [0, 1, 2, 3].map((id) => crypto.keyPair(deriveSecretKey('origin', 'replica', id)));
    const config: ReplicaConfig = { ...TEST_PARAMETERS, n: 4, id: 1, keyPair: keyPairs[1]!, crypto, replicaKeys: keyPairs.map((pair) => pair.publicKey), clientKey: () => undefined };
    const seen: number[] = [];
    const definition = defineAdversary({
      name: 'clock-probe',
      faultModel: 'none: records the time it is given',
      attacks: 'nothing',
      options: {},
      create: (api) => ({ step: (input: ReplicaInput) => (seen.push(input.nowMs, api.nowMs), api.step(input)) }),
    });
    const hosted = new HostedAdversary({ definition, options: {} }, { config, faulty: [1], shared: new Map(), rng: createRng(1), note: () => undefined, clockOriginMs: 1_000_000 });
    const replicaTimes: number[] = [];
    const step = hosted.replica.step.bind(hosted.replica);
    hosted.replica.step = (input) => (replicaTimes.push(input.nowMs), step(input));
    hosted.step({ kind: 'tick', nowMs: 1_005_000 });
    expect(seen).toEqual([5000, 5000]);
    expect(replicaTimes).toEqual([1_005_000]);
  });
});
