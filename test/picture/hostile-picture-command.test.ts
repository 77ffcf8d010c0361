// `pancydb picture` (the command) against hostile input: log strings meant for the reader's
// terminal, a spoofed log refused with exit 2, and output paths that would overwrite a log
// or each other, refused before any log is read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { hexFrames } from '../../src/check/evidence-file.ts';
import { encodeSigned } from '../../src/core/encoding.ts';
import type { Prepare } from '../../src/core/messages.ts';
import { createCrypto, deriveSecretKey, type KeyPair } from '../../src/crypto/index.ts';
import { readKeyFile } from '../../src/deploy/key-file.ts';
import { MESSAGE_LOG_FORMAT } from '../../src/picture/message-log-format.ts';
import type { RunRecord } from '../../src/picture/record.ts';

let dir: string;
let cluster: string;
let clusterId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-picture-hostile-'));
  ({ file: cluster, config: { clusterId } } = await generateTestnet({ n: 4, out: join(dir, 'net'), hosts: ['127.0.0.1'], clients: 1, crypto: createNativeCrypto() }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function picture(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(['picture', '--cluster', cluster, ...args], { out: (line) => lines.push(line), err: (line) => lines.push(line) });
  return { code, out: lines.join('\n') };
}

const writeLog = (name: string, lines: readonly object[]): string => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
};
const start = (at: number, member: string, pid = 1) => ({ at: 1000 + at, e: 'start', format: MESSAGE_LOG_FORMAT, cluster: clusterId, member, pid });

describe('pancydb picture: hostile input', () => {
  it("a violation naming a client's value prints its control characters escaped, not raw", async () => {
    const evil = '\u001b]0;PWNED\u0007\u009b2J\u202e';
    const log = writeLog('c0.jsonl', [
      start(0, 'c0'),
      { at: 1001, e: 'call', op: 0, operation: { type: 'put', key: 'k', value: evil } },
      { at: 1002, e: 'return', op: 0, result: { status: 'ok', actual: '', previousVersion: 0, version: 1 } },
      { at: 1003, e: 'call', op: 1, operation: { type: 'get', key: 'k' } },
      { at: 1004, e: 'return', op: 1, result: { status: 'ok', version: 0, value: evil } },
    ]);
    const result = await picture(log, '--record', join(dir, 'violation.json'));
    expect(result.code).toBe(1);
    expect(result.out).toContain('violation: linearizability: ');
    expect(result.out).toContain('\\u001b]0;PWNED\\u0007\\u009b2J\\u202e');
    expect(result.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('a log posing as a member running at the same time is refused: exit 2 naming both files', async () => {
    const r0 = writeLog('r0.jsonl', [start(0, 'r0'), { at: 1020, e: 'stop' }]);
    const spoof = writeLog('r3.jsonl', [start(0.5, 'r0', 666), { at: 1003, e: 'stop' }]);
    const result = await picture(r0, spoof, '--record', join(dir, 'spoof.json'));
    expect(result.code).toBe(2);
    expect(result.out).toContain(`${spoof}: a run of r0 (pid 666) from 0.5 to 3 ms overlaps one in ${r0} (pid 1) from 0 to 20 ms`);
  });

  it('--html or --record naming a LOG, or both naming one file, or a missing directory: exit 2 before any log is read, the log intact', async () => {
    const log = writeLog('r1.jsonl', [start(0, 'r1')]);
    const before = readFileSync(log, 'utf8');
    expect(await picture(log, '--html', log)).toMatchObject({ code: 2, out: expect.stringContaining(`--html ${log}: it is a LOG given to read; give the picture its own file`) });
    expect(await picture(log, '--record', join(dir, '.', 'r1.jsonl'))).toMatchObject({ code: 2, out: expect.stringContaining('it is a LOG given to read') });
    const same = join(dir, 'same.out');
    expect(await picture(log, '--html', same, '--record', same)).toMatchObject({ code: 2, out: expect.stringContaining(`--record ${same}: --html names the same file`) });
    // A log that cannot be read comes after: the paths are checked first.
    expect(await picture(join(dir, 'missing.jsonl'), '--html', join(dir, 'no-such-dir', 'p.html'))).toMatchObject({ code: 2, out: expect.stringContaining('--html') });
    // A LOG under a file: reading it says why, with no stack trace.
    expect(await picture(join(log, 'x'), '--record', join(dir, 'x.json'))).toMatchObject({ code: 2, out: expect.stringContaining(`${join(log, 'x')}: cannot read the message log`) });
    expect(readFileSync(log, 'utf8')).toBe(before);
  });
  it('a faulty replica claiming a view per line: the summary names the first few views and how many, not every one', async () => {
    const claims = Array.from({ length: 30 }, (_, k) => ({ at: 1001 + k, e: 'event', kind: 'enter-view', view: k + 1, text: 'ENTER-VIEW' }));
    const result = await picture(writeLog('r2-views.jsonl', [start(0, 'r2'), ...claims]), '--record', join(dir, 'views.json'));
    expect(result.out.split('\n')[2]).toBe('views: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, … 30 (31 views); operations: 0 (0 returned); linearizable');
  });
  it("evidence in a replica's log is drawn only if its frames convict with the cluster's keys: a forged item is left out and counted", async () => {
    const crypto = createCrypto('native');
    const prepare = (keyPair: KeyPair, replica: number, label: string) =>
      encodeSigned<Prepare>({ type: 'prepare', view: 0, seq: 5, digest: crypto.sha256(new TextEncoder().encode(label)), replica }, (bytes) => crypto.sign(keyPair, bytes)).frame;
    const r0 = readKeyFile(join(dir, 'net', 'replica-0.key'), crypto);
    const stranger = crypto.keyPair(deriveSecretKey(99, 'replica', 3));
    const evidence = (at: number, culprit: number, frames: [Uint8Array, Uint8Array]) => ({ at: 1000 + at, e: 'event', kind: 'evidence', view: 0, seq: 5, text: `EVIDENCE against ${culprit}`, item: { holder: 9, culprit, kind: 'prepare', view: 0, seq: 5, frames: hexFrames(frames) } });
    // r1 holds genuine evidence against r0; r2 "holds" evidence against r3 signed by a key not r3's.
    const holder1 = writeLog('e1.jsonl', [start(0, 'r1'), evidence(3, 0, [prepare(r0, 0, 'a'), prepare(r0, 0, 'b')])]);
    const holder2 = writeLog('e2.jsonl', [start(0, 'r2'), evidence(2, 3, [prepare(stranger, 3, 'a'), prepare(stranger, 3, 'b')])]);
    const result = await picture(holder1, holder2, '--record', join(dir, 'evidence.json'));
    expect(result.code).toBe(0);
    expect(result.out).toContain("evidence items left out, their frames not signed as they claim with the cluster's keys: 1");
    const record = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as RunRecord;
    expect(record.evidence.map(({ holder, culprit, kind, view, seq }) => ({ holder, culprit, kind, view, seq }))).toEqual([{ holder: 1, culprit: 0, kind: 'prepare', view: 0, seq: 5 }]);
  });
});
