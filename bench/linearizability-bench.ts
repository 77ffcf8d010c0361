// Linearizability checkers: the general WGL search on the whole Porcupine corpus
// (../shared/testdata/porcupine), and the Pancydb version checker's throughput on long
// generated histories. Run with `npx tsx bench/linearizability-bench.ts`.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { etcdRegisterModel } from '../src/check/linearizability/model-etcd-register.ts';
import { kvAppendModel } from '../src/check/linearizability/model-kv-append.ts';
import { buildPancydbHistory, mulberry32, type PlannedOperation } from '../src/check/linearizability/pancydb-history-fixture.ts';
import { checkPancydbVersions } from '../src/check/linearizability/pancydb-versions.ts';
import { parseEtcdLog } from '../src/check/linearizability/porcupine-etcd.ts';
import { parseKvLog } from '../src/check/linearizability/porcupine-kv.ts';
import { checkLinearizability } from '../src/check/linearizability/wgl.ts';
import type { Operation } from '../src/core/operations.ts';

const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/testdata/porcupine');

function benchCorpus(explainStepBudget: number): void {
  const rows = readFileSync(join(CORPUS, 'VERDICTS.tsv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t'));
  const times: [string, number][] = [];
  let wrong = 0;
  for (const [file = '', model = '', linearizable = ''] of rows) {
    const text = readFileSync(join(CORPUS, file), 'utf8');
    const startMs = performance.now();
    const options = { explainStepBudget };
    const result = model === 'etcd-register' ? checkLinearizability(parseEtcdLog(text), etcdRegisterModel, options) : checkLinearizability(parseKvLog(text), kvAppendModel, options);
    times.push([file, performance.now() - startMs]);
    if (result.verdict !== (linearizable === 'true' ? 'linearizable' : 'not-linearizable')) wrong += 1;
  }
  const totalMs = times.reduce((sum, [, ms]) => sum + ms, 0);
  const [worstFile, worstMs] = [...times].sort((a, b) => b[1] - a[1])[0]!;
  const what = explainStepBudget === 0 ? 'verdicts only' : 'with offending sets';
  console.log(`WGL, Porcupine corpus (${rows.length} histories, ${what}): ${totalMs.toFixed(0)} ms total, worst ${worstFile} ${worstMs.toFixed(0)} ms, wrong verdicts: ${wrong}`);
}

/** A random-workload-like history: 16 clients, 8 keys, gets/puts/cases/removes. */
function generatedHistory(operations: number, unknownChance: number, seed: number) {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const values = ['a', 'b', 'c', ''];
  const plan: PlannedOperation[] = [];
  for (let index = 0; index < operations; index += 1) {
    const key = `k${Math.floor(random() * 8)}`;
    const draw = random();
    const operation: Operation =
      draw < 0.4 ? { type: 'get', key } : draw < 0.65 ? { type: 'put', key, value: pick(values) } : draw < 0.85 ? { type: 'cas', key, expected: pick(values), desired: pick(values) } : { type: 'remove', key };
    const outcome = random() < unknownChance ? 'late' : 'known';
    plan.push({ client: index % 16, operation, thinkMs: Math.floor(random() * 5), durationMs: 1 + Math.floor(random() * 40), pointFraction: random(), outcome });
  }
  return buildPancydbHistory(plan);
}

function benchVersions(operations: number, unknownChance: number, corrupt: boolean): void {
  const history = generatedHistory(operations, unknownChance, 42);
  if (corrupt) {
    // One read in the middle claims its key was absent.
    const middle = history.findIndex((entry, index) => index > operations / 2 && entry.input.type === 'get' && entry.output?.version !== 0);
    history[middle] = { ...history[middle]!, output: { status: 'ok', value: '', version: 0 } };
  }
  const startMs = performance.now();
  const result = checkPancydbVersions(history);
  const elapsedMs = performance.now() - startMs;
  const label = `${operations} ops, ${(unknownChance * 100).toFixed(1)}% unknown outcomes${corrupt ? ', one absent read corrupted' : ''}`;
  console.log(`Version checker, ${label}: ${result.verdict} in ${elapsedMs.toFixed(0)} ms (${((operations / elapsedMs) * 1000).toFixed(0)} ops/s, ${result.steps} steps)`);
}

console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
benchCorpus(0);
benchCorpus(50_000);
benchVersions(100_000, 0, false);
benchVersions(100_000, 0.001, false);
benchVersions(100_000, 0.01, false);
benchVersions(100_000, 0.001, true);
