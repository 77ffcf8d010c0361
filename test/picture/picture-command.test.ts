// `pancydb picture` as a user calls it, in-process on hand-written logs: usage errors
// (exit 2) name the flag or the file; a good run prints its summary and writes the record.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { MESSAGE_LOG_FORMAT } from '../../src/picture/message-log-format.ts';

let dir: string;
let file: string;
let clusterId: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-picture-cmd-'));
  ({ file, config: { clusterId } } = await generateTestnet({ n: 4, out: join(dir, 'net'), hosts: ['127.0.0.1'], clients: 1, crypto: createNativeCrypto() }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function picture(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(['picture', ...args], { out: (line) => lines.push(line), err: (line) => lines.push(line) });
  return { code, out: lines.join('\n') };
}

const writeLog = (name: string, lines: readonly object[], extra = ''): string => {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n${extra}`);
  return path;
};

describe('pancydb picture (the command)', () => {
  it('usage errors exit 2 naming the flag or the file', async () => {
    const log = writeLog('r0.jsonl', [{ at: 1, e: 'start', format: MESSAGE_LOG_FORMAT, cluster: clusterId, member: 'r0' }]);
    expect(await picture(log, '--html', join(dir, 'p.html'))).toMatchObject({ code: 2, out: expect.stringContaining('--cluster: required') });
    expect(await picture('--cluster', file, log)).toMatchObject({ code: 2, out: expect.stringContaining('--html FILE or --record FILE') });
    expect(await picture('--cluster', file, '--record', join(dir, 'r.json'))).toMatchObject({ code: 2, out: expect.stringContaining('LOG: at least one') });
    expect(await picture('--cluster', file, log, log, '--record', join(dir, 'r.json'))).toMatchObject({ code: 2, out: expect.stringContaining(`LOG ${log}: given twice`) });
    const missing = join(dir, 'nowhere.jsonl');
    expect(await picture('--cluster', file, log, missing, '--record', join(dir, 'r.json'))).toMatchObject({ code: 2, out: expect.stringContaining(`${missing}: cannot read the message log`) });
    expect(await picture('--cluster', file, log, '--record', join(dir, 'no-such-dir', 'r.json'))).toMatchObject({ code: 2, out: expect.stringContaining('--record') });
    const other = writeLog('other.jsonl', [{ at: 1, e: 'start', format: MESSAGE_LOG_FORMAT, cluster: 'cd'.repeat(32), member: 'r1' }]);
    expect(await picture('--cluster', file, log, other, '--record', join(dir, 'r.json'))).toMatchObject({ code: 2, out: `pancydb: ${other}: a log of cluster ${'cd'.repeat(8)}, not of ${clusterId.slice(0, 16)} (--cluster)\nTry 'pancydb picture --help'.` });
  });

  it('the processes that write logs refuse a log they cannot open and a cap without a log (exit 2, naming the flag)', async () => {
    const run = async (...args: string[]) => {
      const lines: string[] = [];
      const code = await main(args, { out: (line) => lines.push(line), err: (line) => lines.push(line) });
      return { code, out: lines.join('\n') };
    };
    const nowhere = join(dir, 'no-such-dir', 'c0.jsonl');
    expect(await run('client', '--cluster', file, '--message-log', nowhere, 'get', 'a')).toMatchObject({ code: 2, out: expect.stringContaining(`--message-log ${nowhere}: cannot open for appending`) });
    const replica = ['replica', '--cluster', file, '--id', '0', '--data', join(dir, 'data-0')];
    expect(await run(...replica, '--message-log', nowhere, '--message-log-max-bytes', '5')).toMatchObject({ code: 2, out: expect.stringContaining('--message-log-max-bytes: must be a whole number ≥ 1024') });
    expect(await run(...replica, '--message-log-max-bytes', '4096')).toMatchObject({ code: 2, out: expect.stringContaining('--message-log-max-bytes needs --message-log') });
  });

  it('a good pair of logs: the summary, malformed lines counted, the record written (exit 0)', async () => {
    const start = (member: string) => ({ at: 1000, e: 'start', format: MESSAGE_LOG_FORMAT, cluster: clusterId, member, pid: 7 });
    const r0 = writeLog('r0.jsonl', [start('r0'), { at: 1001, e: 'send', to: ['r1'], id: '00000000000000aa', type: 'status', view: 0, signer: 'r0', text: 'STATUS v=0 h=0 le=0' }], '{"torn": ');
    const r1 = writeLog('r1.jsonl', [start('r1'), { at: 1001.5, e: 'receive', from: 'r0', id: '00000000000000aa' }]);
    const result = await picture('--cluster', file, r0, r1, '--record', join(dir, 'r.json'));
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      `picture of cluster ${clusterId.slice(0, 16)}: 5 lines from 2 process runs, 4 replicas and 0 clients, 0.002 s`,
      'messages: 1, 0 with no logged receive; 0 receives with no logged send',
      'views: 0; operations: 0 (0 returned); linearizable',
      `malformed lines skipped: ${r0} 1`,
      `wrote ${join(dir, 'r.json')}`,
    ]);
    const record = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(record.messages).toEqual([{ from: 'r0', to: 'r1', type: 'status', sentMs: 1, receivedMs: 1.5, view: 0, signer: 'r0', text: 'STATUS v=0 h=0 le=0' }]);
  });
});
