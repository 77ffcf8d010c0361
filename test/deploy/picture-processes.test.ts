// `pancydb picture` on a real cluster: four replica processes and `pancydb client` runs, all
// writing message logs; the primary is killed (kill -9), a view change replaces it, more
// operations run, the cluster stops, and the picture drawn from the logs shows it: every
// member's lane, sends matched to receives, view 1 entered by the three live replicas, the
// crash, the operations with their returns, and a linearizable history.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import type { ClusterConfig } from '../../src/deploy/cluster-config.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { renderHtml } from '../../src/picture/html.ts';
import type { RunRecord } from '../../src/picture/record.ts';
import { getJson, killAll, run, start, until, type Running } from './processes.ts';

let dir: string;
let file: string;
let logs: string;
let cluster: ClusterConfig;
let replicas: Running[];

const replicaLog = (id: number) => join(logs, `replica-${id}.jsonl`);
const clientLog = (id: number) => join(logs, `client-${id}.jsonl`);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-picture-'));
  logs = join(dir, 'logs');
  mkdirSync(logs);
  ({ file, config: cluster } = await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 3, crypto: createNativeCrypto() }));
  replicas = cluster.replicas.map((replica) =>
    start(['replica', '--cluster', file, '--id', String(replica.id), '--data', join(dir, `data-${replica.id}`), '--message-log', replicaLog(replica.id)]),
  );
  await Promise.all(replicas.map((replica, id) => replica.waitFor(new RegExp(`^replica ${id} ready: view 0`), 60_000)));
  await until(async () => (await Promise.all(cluster.replicas.map((replica) => getJson(`http://${replica.host}:${replica.metricsPort}/health`)))).every((health) => health?.healthy === true), 20_000, 'every /health');
});

afterEach(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const client = (id: number, ...args: string[]) => run(['client', '--cluster', file, '--key', join(dir, `client-${id}.key`), '--timeout', '20', '--message-log', clientLog(id), ...args]);

describe('pancydb picture of a real 4-replica cluster', () => {
  it('kill -9 the primary: the picture has every lane, matched messages, view 1 entered by the three live replicas, the crash, and a linearizable history', async () => {
    expect(await client(0, 'put', 'k', 'v1')).toEqual({ code: 0, stdout: 'ok version 1 (previous 0) actual ""' });
    expect(await client(1, 'get', 'k')).toEqual({ code: 0, stdout: 'ok version 1 value "v1"' });
    replicas[0]!.child.kill('SIGKILL');
    await replicas[0]!.exited;
    expect(await client(0, 'put', 'k', 'v2')).toEqual({ code: 0, stdout: 'ok version 2 (previous 1) actual ""' });
    // Each live replica enters view 1 (its own NEW-VIEW line), so each has its ENTER-VIEW logged.
    await Promise.all([1, 2, 3].map((id) => replicas[id]!.waitFor(/"event":"new-view","view":1,/, 20_000)));
    expect(await client(2, 'get', 'k')).toEqual({ code: 0, stdout: 'ok version 2 value "v2"' });
    for (const id of [1, 2, 3]) replicas[id]!.child.kill('SIGTERM');
    expect(await Promise.all([1, 2, 3].map((id) => replicas[id]!.exited))).toEqual([0, 0, 0]);

    const page = join(dir, 'picture.html');
    const recordFile = join(dir, 'record.json');
    const allLogs = [0, 1, 2, 3].map(replicaLog).concat([0, 1, 2].map(clientLog));
    const picture = await run(['picture', '--cluster', file, ...allLogs, '--html', page, '--record', recordFile]);
    expect(picture.code, picture.stdout).toBe(0);
    expect(picture.stdout).toMatch(/operations: 4 \(4 returned\); linearizable/);
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as RunRecord;

    expect(record.source).toEqual({ kind: 'cluster', clusterId: cluster.clusterId, logs: allLogs });
    expect(record.lanes.map((lane) => lane.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'c0', 'c1', 'c2']);
    // Between the replicas that lived to the end, nearly every frame is matched to its
    // receive (the last few before SIGTERM may be in flight); r0's last lines may be lost
    // with it, and what others sent it after its death was received by no one.
    const among = record.messages.filter((message) => message.from !== 'r0' && message.to !== 'r0' && message.from.startsWith('r') && message.to.startsWith('r'));
    const matched = among.filter((message) => message.receivedMs !== undefined);
    expect(among.length).toBeGreaterThan(20);
    expect(matched.length / among.length).toBeGreaterThan(0.9);
    for (const message of record.messages) if (message.receivedMs === undefined) expect(message.lost).toBe('unmatched');
    // A vote past its quorum is dropped on arrival (surplus-vote, §4.2): the receiver's reason is on the message.
    expect(record.messages.filter((message) => message.dropped !== undefined).every((message) => message.receivedMs !== undefined)).toBe(true);
    expect(record.messages.some((message) => message.dropped === 'surplus-vote')).toBe(true);
    // Every client's REQUEST reached a replica, and a REPLY reached each client.
    for (const client of ['c0', 'c1', 'c2']) {
      expect(record.messages.some((message) => message.from === client && message.type === 'request' && message.receivedMs !== undefined)).toBe(true);
      expect(record.messages.some((message) => message.to === client && message.type === 'reply' && message.receivedMs !== undefined)).toBe(true);
    }

    const view1 = record.views.find((band) => band.view === 1);
    expect(view1?.primary).toBe(1);
    expect(Object.keys(view1!.entered).sort()).toEqual(['1', '2', '3']);
    expect(record.events.some((event) => event.lane === 'r0' && event.kind === 'crash')).toBe(true);
    expect(record.events.filter((event) => event.kind === 'start-view-change' && event.view === 1).map((event) => event.lane)).toEqual(expect.arrayContaining(['r1', 'r2', 'r3']));

    expect(record.operations.map(({ client, operation, result }) => ({ client, operation, result }))).toEqual([
      { client: 0, operation: 'put k="v1"', result: 'ok prev=0 ver=1' },
      { client: 1, operation: 'get k', result: 'ok ver=1 value="v1"' },
      { client: 0, operation: 'put k="v2"', result: 'ok prev=1 ver=2' },
      { client: 2, operation: 'get k', result: 'ok ver=2 value="v2"' },
    ]);
    for (const operation of record.operations) expect(operation.returnMs).toBeGreaterThanOrEqual(operation.callMs);
    expect(record.verdict).toEqual({ ok: true, linearizability: 'linearizable', violations: [] });
    // The page is the one renderHtml draws of this very record: it embeds it.
    expect(readFileSync(page, 'utf8')).toBe(renderHtml(record));

    // A log of this cluster under another cluster.json is refused, naming the file.
    const other = await generateTestnet({ n: 4, out: join(dir, 'other'), hosts: ['127.0.0.1'], clients: 1, crypto: createNativeCrypto() });
    const refused = await run(['picture', '--cluster', other.file, replicaLog(1), '--record', join(dir, 'other.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain(`${replicaLog(1)}: a log of cluster ${cluster.clusterId.slice(0, 16)}, not of ${other.config.clusterId.slice(0, 16)}`);
  });
});
