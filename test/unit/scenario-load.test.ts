// Scenario files: a valid file loads into the Scenario the runner needs (a built-in and
// an external adversary), and every mistake is a UsageError naming the file and field.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/usage-error.ts';
import { loadScenario, loadScenarioText } from '../../src/scenario/load.ts';
import { scenarioRunOptions } from '../../src/scenario/run-options.ts';

const FIXTURES = 'test/fixtures/scenarios';

async function loadError(load: Promise<unknown>): Promise<UsageError> {
  const error = await load.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('scenario file: a valid file', () => {
  it('loads every section, with a built-in adversary and an external one by relative path', async () => {
    const scenario = await loadScenario(`${FIXTURES}/valid.json`);
    expect(scenario).toMatchObject({ name: 'valid-everything', n: 7, f: 2, seeds: 200, durationMs: 110_000, workloadDurationMs: 100_000 });
    expect(scenario.path).toMatch(/test\/fixtures\/scenarios\/valid\.json$/);
    expect(scenario.network).toMatchObject({ loss: 0.05, jitterMs: 2, duplicate: 0.01, reorder: 0.1, silences: [] });
    expect(scenario.network.partitions).toEqual([{ fromMs: 10_000, untilMs: 40_000, groups: [[0, 1], [2, 3]] }]);
    expect(scenario.network.crashes).toEqual([{ replica: 2, atMs: 3000, restartAtMs: 5000 }, { replica: 4, atMs: 50_000 }]);
    expect(scenario.workload).toEqual({ kind: 'lockseq', clients: 32, maxSequenceLength: 100, groups: 100 });
    expect(scenario.byzantineClients).toEqual({ count: 2, kinds: ['equivocate', 'flood-invalid'], ratePerS: 50 });
    expect(scenario.parameters).toEqual({ viewChangeTimeoutMs: 2000, maxBatch: 32 });
    expect(scenario.expect).toEqual({ kind: 'live', liveAfterMs: 60_000, completeWithinMs: 10_000 });
    expect([...scenario.faulty.keys()]).toEqual([0, 3]);
    const silent = scenario.faulty.get(0)!;
    expect(silent.definition.name).toBe('silent');
    expect(silent.modulePath).toMatch(/adversaries\/silent\.ts$/);
    expect(silent.options).toEqual({ fromS: 1 });
    const external = scenario.faulty.get(3)!;
    expect(external).toMatchObject({ adversary: './tiny-adversary.ts', options: { delayMs: 20 } });
    expect(external.definition.name).toBe('slow-commits');
    expect(external.modulePath).toMatch(/test\/fixtures\/scenarios\/tiny-adversary\.ts$/);
  });

  it('becomes RunOptions for a seed: faults, parameters and the liveness bound', async () => {
    const scenario = await loadScenario(`${FIXTURES}/valid.json`);
    const options = scenarioRunOptions(scenario, 7, { cryptoBackend: 'noble' });
    expect(options).toMatchObject({ seed: 7, n: 7, durationMs: 110_000, workloadDurationMs: 100_000, cryptoBackend: 'noble' });
    expect(options.liveness).toEqual({ liveAfterMs: 60_000, completeWithinMs: 10_000 });
    expect(options.faulty).toBe(scenario.faulty);
    expect(options.parameters).toEqual({ viewChangeTimeoutMs: 2000, maxBatch: 32 });
  });

  it('fills defaults: 100 seeds, profile ci, run = workload + 5 s, safety only, a clean network', async () => {
    const scenario = await loadScenarioText(JSON.stringify({ name: 'minimal', f: 1, workload: { kind: 'lockseq', clients: 2, durationS: 3 } }), 'minimal.json');
    expect(scenario).toMatchObject({ n: 4, seeds: 100, durationMs: 8000, workloadDurationMs: 3000, description: '', expect: { kind: 'safe' } });
    expect(scenario.workload).toEqual({ kind: 'lockseq', clients: 2, maxSequenceLength: 10, groups: 20 });
    expect(scenario.network).toMatchObject({ loss: 0, partitions: [], crashes: [] });
    expect(scenario.faulty.size).toBe(0);
    expect(scenario.auth).toBe('signed');
    expect(scenario.optimizations).toEqual([]);
    expect(scenario.network.slowLinks).toBeUndefined();
    expect(scenarioRunOptions(scenario, 1).liveness).toBeUndefined();
    expect(scenarioRunOptions(scenario, 1).auth).toBe('signed');
    expect(scenarioRunOptions(scenario, 1).optimizations).toEqual([]);
  });

  it('reads "optimizations" in any order, and the run options carry them in canonical order', async () => {
    const text = JSON.stringify({ name: 'fast', f: 1, optimizations: ['tentative', 'read-only', 'digest-replies'], workload: { kind: 'random', clients: 2, durationS: 3 } });
    const scenario = await loadScenarioText(text, 'fast.json');
    expect(scenario.optimizations).toEqual(['read-only', 'digest-replies', 'tentative']);
    expect(scenarioRunOptions(scenario, 1).optimizations).toEqual(['read-only', 'digest-replies', 'tentative']);
  });

  it('reads network.slowLinks: links from the other replicas into the named ones, in ms', async () => {
    const text = JSON.stringify({ name: 'slow', f: 1, network: { slowLinks: [{ fromS: 0.5, untilS: 2, to: [2, 3], delayMs: 40 }] }, workload: { kind: 'random', clients: 2, durationS: 3 } });
    const scenario = await loadScenarioText(text, 'slow.json');
    expect(scenario.network.slowLinks).toEqual([{ fromMs: 500, untilMs: 2000, to: [2, 3], delayMs: 40 }]);
  });

  it('reads "auth": "mac", and the run options carry it', async () => {
    const scenario = await loadScenarioText(JSON.stringify({ name: 'mac', f: 1, auth: 'mac', workload: { kind: 'lockseq', clients: 2, durationS: 3 } }), 'mac.json');
    expect(scenario.auth).toBe('mac');
    expect(scenarioRunOptions(scenario, 1).auth).toBe('mac');
  });

  it('reads a random workload with its mix and keys, and a bound that defaults the run length', async () => {
    const text = JSON.stringify({
      name: 'random',
      f: 1,
      workload: { kind: 'random', clients: 3, durationS: 4, mix: 'get=1,put=1', keys: 2 },
      expect: { liveAfterS: 1, completeWithinS: 2 },
    });
    const scenario = await loadScenarioText(text, 'random.json');
    expect(scenario.workload).toEqual({ kind: 'random', clients: 3, keys: 2, mix: { get: 1, put: 1, cas: 0, remove: 0 } });
    expect(scenario.durationMs).toBe(6000);
  });

  it('a negative test may name more than f faulty replicas, and keep a liveness bound to break', async () => {
    const scenario = await loadScenario(`${FIXTURES}/two-silent-violation.json`);
    expect(scenario.faulty.size).toBe(2);
    expect(scenario.expect).toEqual({ kind: 'violation', liveness: { liveAfterMs: 0, completeWithinMs: 1000 } });
    expect(scenarioRunOptions(scenario, 1).liveness).toEqual({ liveAfterMs: 0, completeWithinMs: 1000 });
  });
});

describe('scenario file: each mistake names the file and the field', () => {
  const base = () => ({
    name: 'inline',
    f: 1,
    workload: { kind: 'lockseq', clients: 2, durationS: 2 } as Record<string, unknown>,
  });
  type Json = Record<string, unknown>;
  const cases: [string, (json: Json) => unknown, string][] = [
    ['unknown top-level key', (json) => ({ ...json, nmae: 'x' }), 'nmae: unknown key (known: name, description, f, auth, optimizations, network, faulty, workload, durationS, parameters, seeds, expect)'],
    ['unknown network key', (json) => ({ ...json, network: { los: 0.1 } }), 'network.los: unknown key (known: loss, lossUntilS, jitterMs, duplicate, reorder, partitions, slowLinks, crashes)'],
    ['unknown partition key', (json) => ({ ...json, network: { partitions: [{ from: 1, untilS: 2, groups: [[0], [1]] }] } }), 'network.partitions.0.from: unknown key (known: fromS, untilS, groups)'],
    ['unknown Byzantine-client key', (json) => ({ ...json, workload: { ...(json['workload'] as Json), byzantineClients: { count: 1, kinds: ['replay'], rate: 5 } } }), 'workload.byzantineClients.rate: unknown key (known: count, kinds, ratePerS)'],
    ['unknown expect key', (json) => ({ ...json, expect: { liveAfter: 1 } }), 'expect.liveAfter: unknown key'],
    ['unknown faulty key', (json) => ({ ...json, faulty: { 0: { adversary: 'silent', opts: {} } } }), 'faulty.0.opts: unknown key (known: adversary, options)'],
    ['unknown parameter (n is f\'s)', (json) => ({ ...json, parameters: { n: 4 } }), 'parameters.n: unknown key (known: checkpointInterval, logWindow, maxBatch'],
    ['not an object', () => [1, 2], 'must be an object, got [1,2]'],
    ['missing name', (json) => ({ ...json, name: undefined }), 'name: missing; must be a non-empty string'],
    ['missing workload', (json) => ({ ...json, workload: undefined }), 'workload: missing; must be an object'],
    ['missing workload.kind', (json) => ({ ...json, workload: { clients: 2, durationS: 2 } }), 'workload.kind: missing; must be "lockseq" or "random"'],
    ['clients as a string', (json) => ({ ...json, workload: { ...(json['workload'] as Json), clients: '4' } }), 'workload.clients: must be a whole number ≥ 1 and ≤ 10000, got "4"'],
    ['f of 0', (json) => ({ ...json, f: 0 }), 'f: must be a whole number ≥ 1 and ≤ 10, got 0'],
    ['an unknown auth mode', (json) => ({ ...json, auth: 'bogus' }), 'auth: must be "signed" or "mac", got "bogus"'],
    ['auth not a string', (json) => ({ ...json, auth: true }), 'auth: must be "signed" or "mac", got true'],
    ['optimizations not a list', (json) => ({ ...json, optimizations: 'read-only' }), 'optimizations: must be a list, got "read-only"'],
    ['an unknown optimization', (json) => ({ ...json, optimizations: ['read-only', 'batching'] }), 'optimizations.1: must be "read-only" or "digest-replies" or "tentative", got "batching"'],
    ['an optimization named twice', (json) => ({ ...json, optimizations: ['tentative', 'read-only', 'tentative'] }), 'optimizations.2: "tentative" is named twice; name each optimization once'],
    ['f of 1.5', (json) => ({ ...json, f: 1.5 }), 'f: must be a whole number ≥ 1 and ≤ 10, got 1.5'],
    ['unknown workload kind', (json) => ({ ...json, workload: { ...(json['workload'] as Json), kind: 'bank' } }), 'workload.kind: must be "lockseq" or "random", got "bank"'],
    ['workload duration 0', (json) => ({ ...json, workload: { ...(json['workload'] as Json), durationS: 0 } }), 'workload.durationS: must be a number > 0 and ≤ 3600, got 0'],
    ['unknown profile', (json) => ({ ...json, workload: { ...(json['workload'] as Json), profile: 'huge' } }), 'workload.profile: must be "ci" or "full", got "huge"'],
    ['mix on lockseq', (json) => ({ ...json, workload: { ...(json['workload'] as Json), mix: 'get=1' } }), 'workload.mix: applies to the random workload only'],
    ['keys on lockseq', (json) => ({ ...json, workload: { ...(json['workload'] as Json), keys: 3 } }), 'workload.keys: applies to the random workload only'],
    ['profile on random', (json) => ({ ...json, workload: { kind: 'random', clients: 2, durationS: 2, profile: 'ci' } }), 'workload.profile: applies to the lockseq workload only'],
    ['bad mix', (json) => ({ ...json, workload: { kind: 'random', clients: 2, durationS: 2, mix: 'get=x' } }), 'workload.mix: operation mix'],
    ['Byzantine clients: no kinds', (json) => ({ ...json, workload: { ...(json['workload'] as Json), byzantineClients: { count: 1, kinds: [], ratePerS: 5 } } }), 'workload.byzantineClients.kinds: must have at least 1 item(s), got 0'],
    ['Byzantine clients: unknown kind', (json) => ({ ...json, workload: { ...(json['workload'] as Json), byzantineClients: { count: 1, kinds: ['replay', 'spam'], ratePerS: 5 } } }), 'workload.byzantineClients.kinds.1: must be "equivocate" or "huge-timestamp" or "replay" or "flood-valid" or "flood-invalid" or "split-authenticator" or "mac-only", got "spam"'],
    ['Byzantine clients: count 0', (json) => ({ ...json, workload: { ...(json['workload'] as Json), byzantineClients: { count: 0, kinds: ['replay'], ratePerS: 5 } } }), 'workload.byzantineClients.count: must be a whole number ≥ 1 and ≤ 1000, got 0'],
    ['Byzantine clients: rate 0', (json) => ({ ...json, workload: { ...(json['workload'] as Json), byzantineClients: { count: 1, kinds: ['replay'], ratePerS: 0 } } }), 'workload.byzantineClients.ratePerS: must be a number > 0 and ≤ 10000, got 0'],
    ['loss above 1', (json) => ({ ...json, network: { loss: 1.5 } }), 'network.loss: must be a probability ≥ 0 and below 1 (1 would lose every message), got 1.5'],
    ['negative jitter', (json) => ({ ...json, network: { jitterMs: -1 } }), 'network.jitterMs: must be a number ≥ 0 and ≤ 60000, got -1'],
    ['partition ends before it starts', (json) => ({ ...json, network: { partitions: [{ fromS: 5, untilS: 5, groups: [[0], [1]] }] } }), 'network.partitions.0.untilS: must be after fromS (5), got 5'],
    ['partition with one group', (json) => ({ ...json, network: { partitions: [{ fromS: 1, untilS: 2, groups: [[0, 1]] }] } }), 'network.partitions.0.groups: must have at least 2 item(s), got 1'],
    ['partition with an empty group', (json) => ({ ...json, network: { partitions: [{ fromS: 1, untilS: 2, groups: [[0], []] }] } }), 'network.partitions.0.groups.1: must have at least 1 item(s), got 0'],
    ['partition names replica n', (json) => ({ ...json, network: { partitions: [{ fromS: 1, untilS: 2, groups: [[0], [4]] }] } }), 'network.partitions.0.groups.1.0: must be a replica id 0..3, got 4'],
    ['replica in two groups', (json) => ({ ...json, network: { partitions: [{ fromS: 1, untilS: 2, groups: [[0, 1], [1]] }] } }), 'network.partitions.0.groups: replica 1 is in more than one group'],
    ['slow link without to', (json) => ({ ...json, network: { slowLinks: [{ fromS: 1, untilS: 2, delayMs: 10 }] } }), 'network.slowLinks.0.to: missing; must be a list of replica ids'],
    ['slow link to replica n', (json) => ({ ...json, network: { slowLinks: [{ fromS: 1, untilS: 2, to: [4], delayMs: 10 }] } }), 'network.slowLinks.0.to.0: must be a replica id 0..3, got 4'],
    ['slow link ends before it starts', (json) => ({ ...json, network: { slowLinks: [{ fromS: 2, untilS: 1, to: [3], delayMs: 10 }] } }), 'network.slowLinks.0.untilS: must be after fromS (2), got 1'],
    ['slow link delay 0', (json) => ({ ...json, network: { slowLinks: [{ fromS: 1, untilS: 2, to: [3], delayMs: 0 }] } }), 'network.slowLinks.0.delayMs: must be a number > 0 and ≤ 60000, got 0'],
    ['unknown slow link key', (json) => ({ ...json, network: { slowLinks: [{ fromS: 1, untilS: 2, replicas: [3], delayMs: 5 }] } }), 'network.slowLinks.0.replicas: unknown key (known: fromS, untilS, to, delayMs)'],
    ['crash of replica n', (json) => ({ ...json, network: { crashes: [{ replica: 4, atS: 1 }] } }), 'network.crashes.0.replica: must be a replica id 0..3, got 4'],
    ['restart before the crash', (json) => ({ ...json, network: { crashes: [{ replica: 1, atS: 3, restartAtS: 2 }] } }), 'network.crashes.0.restartAtS: must be after atS (3), got 2'],
    ['faulty replica n', (json) => ({ ...json, faulty: { 4: { adversary: 'silent' } } }), 'faulty.4: the key must be a replica id 0..3 (n=3f+1=4), got "4"'],
    ['faulty key not decimal', (json) => ({ ...json, faulty: { '01': { adversary: 'silent' } } }), 'faulty.01: the key must be a replica id 0..3'],
    ['faulty without adversary', (json) => ({ ...json, faulty: { 0: { options: {} } } }), 'faulty.0.adversary: missing; must be a non-empty string'],
    ['faulty options not an object', (json) => ({ ...json, faulty: { 0: { adversary: 'silent', options: [1] } } }), 'faulty.0.options: must be an object, got [1]'],
    ['unknown adversary option', (json) => ({ ...json, faulty: { 0: { adversary: 'silent', options: { form: 1 } } } }), 'faulty.0.options.form: unknown option (known: fromS, untilS, towards, onlyAsPrimary)'],
    ['run shorter than the workload', (json) => ({ ...json, durationS: 1 }), 'durationS: must be at least workload.durationS (2), got 1'],
    ['parameter of 0', (json) => ({ ...json, parameters: { maxBatch: 0 } }), 'parameters.maxBatch: must be a whole number ≥ 1 and ≤ 1000000, got 0'],
    ['parameters PBFT cannot run', (json) => ({ ...json, parameters: { logWindow: 150 } }), 'parameters: logWindow must be a multiple of checkpointInterval'],
    ['seeds of 0', (json) => ({ ...json, seeds: 0 }), 'seeds: must be a whole number ≥ 1 and ≤ 1000000, got 0'],
    ['violation: false', (json) => ({ ...json, expect: { violation: false } }), 'expect.violation: must be true (leave out "expect" to check safety only), got false'],
    ['an empty expect', (json) => ({ ...json, expect: {} }), 'expect: must be {"liveAfterS": …, "completeWithinS": …} or {"violation": true}'],
    ['half a liveness bound', (json) => ({ ...json, expect: { liveAfterS: 1 } }), 'expect.completeWithinS: missing; must be a number > 0'],
    ['more than f faulty without expecting a violation', (json) => ({ ...json, faulty: { 0: { adversary: 'silent' }, 2: { adversary: 'silent' } } }), 'faulty: 2 faulty replicas (0, 2) but f=1 tolerates at most 1; a scenario that expects PBFT to break must say "expect": {"violation": true}'],
  ];
  it.each(cases)('%s', async (_, mutate, message) => {
    const json = mutate(base());
    const error = await loadError(loadScenarioText(JSON.stringify(json), `${FIXTURES}/inline.json`));
    expect(error.message).toContain(`${FIXTURES}/inline.json: ${message}`);
  });
});

describe('scenario file: mistakes found reading the file or its adversaries', () => {
  it.each([
    ['invalid-json.json', /invalid-json\.json: invalid JSON: .* at position 30 \(line 3, column 1\)$/],
    ['no-such-file.json', /no-such-file\.json: cannot read the scenario file: no such file$/],
    ['unknown-adversary.json', /unknown-adversary\.json: faulty\.0\.adversary: no built-in adversary "equivocat" \(built-ins: [a-z, -]*silent[a-z, -]*\); a file must be named by a path such as \.\/equivocat\.ts$/],
    ['missing-adversary-file.json', /missing-adversary-file\.json: faulty\.1\.adversary: no file \.\/no-such-adversary\.ts \(looked for \/.*\/test\/fixtures\/scenarios\/no-such-adversary\.ts\)$/],
    ['bad-default-export.json', /bad-default-export\.json: faulty\.2\.adversary: \.\/no-create\.ts does not default-export an adversary definition: create must be a function/],
    ['bad-adversary-options.json', /bad-adversary-options\.json: faulty\.0\.options\.fromS: must be at least 0, got -1$/],
    ['too-many-faulty.json', /too-many-faulty\.json: faulty: 2 faulty replicas \(0, 1\) but f=1 tolerates at most 1/],
  ])('%s', async (file, message) => {
    const error = await loadError(loadScenario(`${FIXTURES}/${file}`));
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${FIXTURES}/${file}: `)).toBe(true);
  });
});
