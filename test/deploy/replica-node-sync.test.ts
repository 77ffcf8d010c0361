// ReplicaNode's group commit without processes: a Storage whose background fsyncs are held
// until the test lets them finish, so every interleaving of sends, syncs and stop() is exact.
import fsModule, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdversaryOutput } from '../../src/adversary/adversary.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import { loadReplica } from '../../src/deploy/load-member.ts';
import { ReplicaNode } from '../../src/deploy/replica-node.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { DiskStorage } from '../../src/storage/disk-storage.ts';
import { ReplicaDisk } from '../../src/storage/replica-disk.ts';
import type { RecoveredWal, Storage } from '../../src/storage/storage.ts';

const crypto = createNativeCrypto();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pancydb-node-sync-'));
  await generateTestnet({ n: 4, out: dir, hosts: ['127.0.0.1'], clients: 1, crypto });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records are durable only when a sync says so; background syncs wait for `finish`. */
class HeldStorage implements Storage {
  written: string[] = [];
  durable: string[] = [];
  private pending: string[] = [];
  readonly held: { records: string[]; done: (error: Error | undefined) => void }[] = [];
  failed = false;
  closed = false;
  recover(): RecoveredWal {
    return { records: [], tornTail: false };
  }
  append(record: Uint8Array): void {
    this.pending.push(new TextDecoder().decode(record));
  }
  sync(): void {
    if (this.failed || this.closed) throw new Error('storage refuses use');
    this.written.push(...this.pending.splice(0));
    // What Linux does for a second fsync on the same descriptor after one reported EIO: success.
    this.durable = [...this.written];
  }
  syncInBackground(done: (error: Error | undefined) => void): void {
    this.written.push(...this.pending.splice(0));
    this.held.push({ records: [...this.written], done });
  }
  /** The oldest held background fsync returns. */
  finish(error?: Error): void {
    const { records, done } = this.held.shift()!;
    if (error === undefined) this.durable = records;
    else this.failed = true;
    done(error);
  }
  rotate(): number {
    this.sync();
    return 2;
  }
  dropSegmentsBefore(): void {}
  segments(): number[] {
    return [1];
  }
  writeCheckpoint(): void {}
  readCheckpoint(): Uint8Array | undefined {
    return undefined;
  }
  close(): void {
    this.closed = true;
  }
}

function nodeWith(storage: Storage & { durable?: string[] }): { node: ReplicaNode; sent: { frame: string; durable: string[] }[] } {
  const { cluster, keyPair } = loadReplica(join(dir, 'cluster.json'), 1, undefined, crypto);
  const disk = new ReplicaDisk(storage);
  const node = new ReplicaNode({ cluster, id: 1, keyPair, crypto, restarted: false, log: () => {}, storage: { disk, contents: { checkpoint: undefined, records: [] } } });
  const sent: { frame: string; durable: string[] }[] = [];
  const record = (frame: Uint8Array) => sent.push({ frame: new TextDecoder().decode(frame), durable: [...(storage.durable ?? [])] });
  Object.assign(node.network, { send: (_to: unknown, frame: Uint8Array) => record(frame), broadcast: (frame: Uint8Array) => record(frame) });
  return { node, sent };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const persist = (text: string): AdversaryOutput => ({ kind: 'persist', record: bytes(text) }) as AdversaryOutput;
const broadcast = (text: string): AdversaryOutput => ({ kind: 'broadcast', signed: { frame: bytes(text) } }) as unknown as AdversaryOutput;
const execute = (node: ReplicaNode, outputs: AdversaryOutput[]) => (node as unknown as { execute(outputs: AdversaryOutput[]): void }).execute(outputs);
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ReplicaNode: sends wait for the background fsync', () => {
  it('a send leaves after the fsync covering its record, in order, and turns meanwhile share the next fsync', async () => {
    const storage = new HeldStorage();
    const { node, sent } = nodeWith(storage);
    execute(node, [persist('r1'), broadcast('m1')]);
    await turn();
    expect(storage.held).toHaveLength(1);
    execute(node, [broadcast('m2')]); // no record of its own, but behind m1
    execute(node, [persist('r3'), broadcast('m3')]);
    await turn();
    expect(storage.held).toHaveLength(1); // one at a time
    expect(sent).toEqual([]);
    storage.finish();
    // m2 and m3 came in one turn while it ran: they share the next fsync (m2 needs no record
    // of its own, but leaves behind m1 and, the queue not knowing, with m3).
    expect(sent.map((s) => s.frame)).toEqual(['m1']);
    expect(storage.held).toHaveLength(1);
    storage.finish();
    expect(sent).toEqual([
      { frame: 'm1', durable: ['r1'] },
      { frame: 'm2', durable: ['r1', 'r3'] },
      { frame: 'm3', durable: ['r1', 'r3'] },
    ]);
    await node.stop();
  });

  it('stop() during a background fsync that fails: the sends it covers never leave, and the error is not swallowed', async () => {
    const storage = new HeldStorage();
    const { node, sent } = nodeWith(storage);
    execute(node, [persist('r1'), broadcast('m1')]);
    await turn();
    expect(storage.held).toHaveLength(1);
    // SIGTERM: stop() runs while the fsync is on the thread pool.
    const stopped = node.stop().then(
      () => undefined,
      (error: Error) => error,
    );
    await turn();
    // Its outcome is unknown: nothing it covers may leave (a second fsync of the file would
    // report success after an EIO, fsyncgate).
    expect(sent).toEqual([]);
    // The fsync then reports EIO. Its error must reach someone, and m1 must not leave.
    let thrown: unknown;
    try {
      if (storage.held.length > 0) storage.finish(new Error('EIO'));
    } catch (error) {
      thrown = error;
    }
    const stopError = await Promise.race([stopped, new Promise((resolve) => setTimeout(() => resolve('pending'), 200))]);
    expect(sent).toEqual([]);
    expect(thrown).toBeInstanceOf(Error); // the callback throws: the process dies
    expect(stopError).toBeInstanceOf(Error); // and stop() does not report a clean stop
  });

  it('stop() during a background fsync that succeeds: its sends and the later ones leave after it, in order', async () => {
    const storage = new HeldStorage();
    const { node, sent } = nodeWith(storage);
    execute(node, [persist('r1'), broadcast('m1')]);
    await turn();
    execute(node, [persist('r2'), broadcast('m2')]);
    const stopped = node.stop();
    await turn();
    if (storage.held.length > 0) storage.finish();
    await stopped;
    expect(sent).toEqual([
      { frame: 'm1', durable: ['r1', 'r2'] },
      { frame: 'm2', durable: ['r1', 'r2'] },
    ]);
  });
});

describe('ReplicaNode on a DiskStorage whose fsync fails (EIO injected into node:fs)', () => {
  const realFsync = fsModule.fsync;
  afterAll(() => {
    Object.assign(fsModule, { fsync: realFsync });
    syncBuiltinESMExports();
  });

  it('SIGTERM while the failing fsync runs: stop() neither sends what it covered nor reports a clean stop', async () => {
    const storage = new DiskStorage(mkdtempSync(join(tmpdir(), 'pancydb-node-eio-')));
    storage.recover();
    let fail!: () => void;
    Object.assign(fsModule, {
      fsync: (_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
        fail = () => callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      },
    });
    syncBuiltinESMExports();
    const { node, sent } = nodeWith(storage);
    execute(node, [persist('r1'), broadcast('m1')]);
    await turn();
    Object.assign(fsModule, { fsync: realFsync });
    syncBuiltinESMExports();
    const stopped = node.stop().then(
      () => 'stopped cleanly',
      (error: Error) => error,
    );
    await turn();
    expect(sent).toEqual([]);
    expect(() => fail()).toThrow(/EIO/);
    expect(await stopped).toBeInstanceOf(Error);
    expect(sent).toEqual([]);
    rmSync(storage.directory, { recursive: true, force: true });
  });
});
