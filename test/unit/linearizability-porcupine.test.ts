// The general checker against a corpus nobody here wrote: Porcupine's test histories
// (Jepsen etcd logs and key-value logs) with their known verdicts, read in place from
// ../shared/testdata/porcupine (see its README.md). A missing corpus is a failure, not
// a skip: a checker that silently stopped being tested would look the same as one
// that passes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { etcdRegisterModel } from '../../src/check/linearizability/model-etcd-register.ts';
import { kvAppendModel } from '../../src/check/linearizability/model-kv-append.ts';
import { parseEtcdLog } from '../../src/check/linearizability/porcupine-etcd.ts';
import { parseKvLog } from '../../src/check/linearizability/porcupine-kv.ts';
import { checkLinearizability, type LinearizabilityResult } from '../../src/check/linearizability/wgl.ts';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = resolve(PROJECT_ROOT, '../shared/testdata/porcupine');
const EXPECTED_HISTORIES = 108;

interface Row {
  readonly file: string;
  readonly model: string;
  readonly linearizable: boolean;
}

const rows: Row[] = existsSync(join(CORPUS, 'VERDICTS.tsv'))
  ? readFileSync(join(CORPUS, 'VERDICTS.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [file = '', model = '', linearizable = ''] = line.split('\t');
        return { file, model, linearizable: linearizable === 'true' };
      })
  : [];

const timesMs: [string, number][] = [];

function check(row: Row): LinearizabilityResult<unknown, unknown> {
  const text = readFileSync(join(CORPUS, row.file), 'utf8');
  if (row.model === 'etcd-register') return checkLinearizability(parseEtcdLog(text, row.file), etcdRegisterModel);
  if (row.model === 'kv-append') return checkLinearizability(parseKvLog(text), kvAppendModel);
  throw new Error(`VERDICTS.tsv: unknown model ${JSON.stringify(row.model)} for ${row.file}`);
}

describe('Porcupine corpus', () => {
  it(`is present at ${CORPUS} with ${EXPECTED_HISTORIES} verdicts (26 linearizable, 82 not)`, () => {
    expect(existsSync(CORPUS), `Porcupine corpus not found at ${CORPUS}; these tests need it (see its README.md)`).toBe(true);
    expect(rows).toHaveLength(EXPECTED_HISTORIES);
    expect(rows.filter((row) => row.linearizable)).toHaveLength(26);
  });

  it.each(rows)('$file ($model) is linearizable: $linearizable', (row) => {
    const startMs = performance.now();
    const result = check(row);
    timesMs.push([row.file, performance.now() - startMs]);
    expect(result.verdict).toBe(row.linearizable ? 'linearizable' : 'not-linearizable');
    if (!row.linearizable) expect(result.offending.length).toBeGreaterThan(0);
  });

  afterAll(() => {
    const totalMs = timesMs.reduce((sum, [, ms]) => sum + ms, 0);
    const slowest = [...timesMs].sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`Porcupine corpus: ${timesMs.length} histories in ${totalMs.toFixed(0)} ms; slowest: ${slowest.map(([file, ms]) => `${file} ${ms.toFixed(0)} ms`).join(', ')}`);
  });
});

describe('Porcupine log parsers', () => {
  it('etcd: invoke/ok pairs become operations; :info and a missing return mean unknown outcome', () => {
    const log = [
      'INFO  jepsen.util - 0\t:invoke\t:write\t3',
      'INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]',
      'INFO  jepsen.util - 0\t:ok\t:write\t3',
      'INFO  jepsen.util - 1\t:info\t:cas\t:timed-out',
      'INFO  jepsen.util - 2   :invoke :read  nil',
      'INFO  jepsen.util - 2   :ok     :read  nil',
      'INFO  jepsen.util - 3\t:invoke\t:read\tnil',
      'INFO  jepsen.core - some unrelated line',
    ].join('\n');
    expect(parseEtcdLog(log)).toEqual([
      { id: 0, client: 0, callMs: 0, returnMs: 2, input: { kind: 'write', value: 3 }, output: { kind: 'write' } },
      { id: 1, client: 1, callMs: 1, returnMs: undefined, input: { kind: 'cas', expected: 3, desired: 4 }, output: undefined },
      { id: 2, client: 2, callMs: 4, returnMs: 5, input: { kind: 'read' }, output: { kind: 'read', value: null } },
      { id: 3, client: 3, callMs: 6, returnMs: undefined, input: { kind: 'read' }, output: undefined },
    ]);
  });

  it('etcd: a :fail cas is a definite failure, a :fail read an unknown outcome', () => {
    const log = ['INFO  jepsen.util - 4\t:invoke\t:cas\t[1 2]', 'INFO  jepsen.util - 4\t:fail\t:cas\t[1 2]', 'INFO  jepsen.util - 5\t:invoke\t:read\tnil', 'INFO  jepsen.util - 5\t:fail\t:read\t:timed-out'].join('\n');
    const [failedCas, timedOutRead] = parseEtcdLog(log);
    expect(failedCas?.output).toEqual({ kind: 'cas', succeeded: false });
    expect(timedOutRead?.returnMs).toBeUndefined();
  });

  it('kv: EDN maps become get/put/append operations, nil reads as ""', () => {
    const log = [
      '{:process 0, :type :invoke, :f :append, :key "k", :value "x 0 0 y"}',
      '{:process 1, :type :invoke, :f :get, :key "k", :value nil}',
      '{:process 0, :type :ok, :f :append, :key "k", :value "x 0 0 y"}',
      '{:process 1, :type :ok, :f :get, :key "k", :value "x 0 0 y"}',
    ].join('\n');
    expect(parseKvLog(log)).toEqual([
      { id: 0, client: 0, callMs: 0, returnMs: 2, input: { op: 'append', key: 'k', value: 'x 0 0 y' }, output: { value: 'x 0 0 y' } },
      { id: 1, client: 1, callMs: 1, returnMs: 3, input: { op: 'get', key: 'k', value: '' }, output: { value: 'x 0 0 y' } },
    ]);
  });

  it('a second call by a client with an operation open is an error naming the event', () => {
    const log = ['INFO  jepsen.util - 0\t:invoke\t:read\tnil', 'INFO  jepsen.util - 0\t:invoke\t:read\tnil'].join('\n');
    expect(() => parseEtcdLog(log)).toThrow(/event 1: client 0 called with an operation open/);
  });
});
