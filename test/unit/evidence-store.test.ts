// Evidence of equivocation across a replica process's restart (src/deploy/evidence-store.ts):
// a ReplicaNode with a data directory writes each new item to DATA/evidence.json, and a new
// ReplicaNode on the same directory shows it again on /status and GET /evidence, where
// verify-evidence accepts it. A damaged, forged or foreign file is set aside and reported,
// never trusted, never a crash. No process, no port: the node is not started, and frames go
// in where the network would hand them over.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { evidenceFileText, hexFrames } from '../../src/check/evidence-file.ts';
import { encodeSigned } from '../../src/core/encoding.ts';
import type { Peer } from '../../src/core/gateway.ts';
import type { Checkpoint, Message, Prepare, Signed } from '../../src/core/messages.ts';
import { createNativeCrypto } from '../../src/crypto/native.ts';
import type { KeyPair } from '../../src/crypto/crypto.ts';
import { EvidenceStore, evidenceFileMaxBytes } from '../../src/deploy/evidence-store.ts';
import { readKeyFile } from '../../src/deploy/key-file.ts';
import { loadReplica } from '../../src/deploy/load-member.ts';
import { ReplicaNode, type LogLine } from '../../src/deploy/replica-node.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';

const crypto = createNativeCrypto();
let net: string;
let keys: KeyPair[];

beforeAll(async () => {
  net = mkdtempSync(join(tmpdir(), 'pancydb-evidence-store-'));
  await generateTestnet({ n: 4, out: net, hosts: ['127.0.0.1'], clients: 1, crypto });
  keys = [0, 1, 2, 3].map((id) => readKeyFile(join(net, `replica-${id}.key`), crypto));
});
afterAll(() => rmSync(net, { recursive: true, force: true }));

const sign = <M extends Message & { replica: number }>(message: M): Signed<M> => encodeSigned(message, (bytes) => crypto.sign(keys[message.replica]!, bytes));
const digest = (label: string) => crypto.sha256(new TextEncoder().encode(label));
const checkpoint = (replica: number, seq: number, label: string) => sign<Checkpoint>({ type: 'checkpoint', seq, digest: digest(label), replica });

/** Replica 1's node on `data`, not started; its log lines collected. */
function nodeOn(data: string): { node: ReplicaNode; lines: LogLine[] } {
  const { cluster, keyPair } = loadReplica(join(net, 'cluster.json'), 1, undefined, crypto);
  const lines: LogLine[] = [];
  const node = new ReplicaNode({ cluster, id: 1, keyPair, crypto, restarted: false, log: (line) => lines.push(line), evidencePath: join(data, 'evidence.json') });
  return { node, lines };
}

/** A frame from replica `from`, as the network hands it to the node. */
const receive = (node: ReplicaNode, from: number, signed: Signed) => (node as unknown as { receive(from: Peer, frame: Uint8Array): void }).receive({ kind: 'replica', id: from }, signed.frame);

function store(data: string, lines: LogLine[] = []): EvidenceStore {
  const { cluster } = loadReplica(join(net, 'cluster.json'), 1, undefined, crypto);
  return new EvidenceStore({ path: join(data, 'evidence.json'), holder: 1, cluster, crypto, log: (line) => lines.push(line) });
}

const summary = (node: ReplicaNode) => node.status()['evidence'];

describe('evidence survives a restart of the replica process', () => {
  it('two CHECKPOINT digests of replica 2 for n=100: written to DATA/evidence.json at once, shown by the next node on /status and GET /evidence, and verify-evidence --cluster convicts replica 2', async () => {
    const data = mkdtempSync(join(net, 'data-'));
    const first = nodeOn(data);
    expect(first.lines).toEqual([]); // No file yet: nothing to say.
    receive(first.node, 2, checkpoint(2, 100, 's'));
    expect(existsSync(join(data, 'evidence.json'))).toBe(false);
    receive(first.node, 2, checkpoint(2, 100, 't'));
    expect(first.lines.map((line) => line.event)).toContain('evidence');
    const written = readFileSync(join(data, 'evidence.json'), 'utf8');
    expect(written).toBe(first.node.evidenceFile());
    expect(existsSync(join(data, 'evidence.json.tmp'))).toBe(false);

    const second = nodeOn(data);
    expect(summary(second.node)).toEqual([{ culprit: 2, kind: 'checkpoint', view: null, seq: 100 }]);
    expect(second.node.evidenceFile()).toBe(written);
    expect(second.lines).toEqual([{ event: 'evidence-restored', file: join(data, 'evidence.json'), items: 1, culprits: [2] }]);
    // The same contradiction again finds nothing new: one item per (culprit, kind).
    receive(second.node, 2, checkpoint(2, 100, 's'));
    receive(second.node, 2, checkpoint(2, 100, 'u'));
    expect(second.node.replica.evidence.items()).toHaveLength(1);

    const out: string[] = [];
    const status = await main(['verify-evidence', join(data, 'evidence.json'), '--cluster', join(net, 'cluster.json')], { out: (line) => out.push(line), err: (line) => out.push(line) });
    expect({ status, out }).toEqual({ status: 0, out: ['culprit: replica 2 (checkpoint, n=100)'] });
  });

  it('a second culprit later: the file holds both items, each once', () => {
    const data = mkdtempSync(join(net, 'data-'));
    const first = nodeOn(data);
    receive(first.node, 2, checkpoint(2, 100, 's'));
    receive(first.node, 2, checkpoint(2, 100, 't'));
    const prepare = (label: string) => sign<Prepare>({ type: 'prepare', view: 0, seq: 3, digest: digest(label), replica: 3 });
    receive(first.node, 3, prepare('a'));
    receive(first.node, 3, prepare('b'));
    expect(summary(nodeOn(data).node)).toEqual([
      { culprit: 2, kind: 'checkpoint', view: null, seq: 100 },
      { culprit: 3, kind: 'prepare', view: 0, seq: 3 },
    ]);
  });
});

describe('a damaged, forged or foreign evidence file is set aside, never trusted, never a crash', () => {
  const genuine = () => [checkpoint(2, 100, 's').frame, checkpoint(2, 100, 't').frame] as const;
  const cases: readonly (readonly [string, () => string, RegExp])[] = [
    ['not JSON (a torn write by another tool)', () => '{"format": "pancydb-evidence/v1", "evid', /^not JSON/],
    ['another format', () => '{"format": "pancydb-cluster/v1"}', /^format: expected/],
    ['a flipped signature byte', () => {
      const [a, b] = genuine();
      const forged = b.slice();
      forged[forged.length - 1]! ^= 1;
      return evidenceFileText({ kind: 'cluster', clusterId: clusterId() }, [{ frames: hexFrames([a, forged]) }]);
    }, /^item 0: frame 2: the signature does not verify/],
    ["another cluster's file", () => evidenceFileText({ kind: 'cluster', clusterId: 'f'.repeat(64) }, [{ frames: hexFrames(genuine()) }]), /^source: not this cluster$/],
    ['evidence against this replica itself', () => evidenceFileText({ kind: 'cluster', clusterId: clusterId() }, [{ frames: hexFrames([checkpoint(1, 100, 's').frame, checkpoint(1, 100, 't').frame]) }]), /^item 0: accuses this replica$/],
    ['more items than one per culprit and kind', () => evidenceFileText({ kind: 'cluster', clusterId: clusterId() }, Array.from({ length: 16 }, () => ({ frames: hexFrames(genuine()) }))), /^16 items, more than the 15/],
  ];
  it.each(cases)('%s', (_name, text, problem) => {
    const data = mkdtempSync(join(net, 'data-'));
    writeFileSync(join(data, 'evidence.json'), text());
    const { node, lines } = nodeOn(data);
    expect(summary(node)).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'evidence-file-set-aside', movedTo: join(data, 'evidence.json.bad'), kept: 0 });
    expect((lines[0]!['problems'] as string[])[0]).toMatch(problem);
    expect(existsSync(join(data, 'evidence.json'))).toBe(false);
    expect(readFileSync(join(data, 'evidence.json.bad'), 'utf8')).toBe(text());
  });

  it('one good item and one forged: the good one is kept and written back, the file as it was set aside', () => {
    const data = mkdtempSync(join(net, 'data-'));
    const [a, b] = genuine();
    const text = evidenceFileText({ kind: 'cluster', clusterId: clusterId() }, [{ frames: hexFrames([a, b]) }, { frames: hexFrames([a, checkpoint(3, 100, 'x').frame]) }]);
    writeFileSync(join(data, 'evidence.json'), text);
    const { node, lines } = nodeOn(data);
    expect(summary(node)).toEqual([{ culprit: 2, kind: 'checkpoint', view: null, seq: 100 }]);
    expect(lines.map((line) => line.event)).toEqual(['evidence-file-set-aside', 'evidence-restored']);
    expect(readFileSync(join(data, 'evidence.json.bad'), 'utf8')).toBe(text);
    expect(readFileSync(join(data, 'evidence.json'), 'utf8')).toBe(node.evidenceFile());
  });

  it('a file larger than any this replica writes is not read, and a temporary file left by a crash mid-write is removed', () => {
    const { cluster } = loadReplica(join(net, 'cluster.json'), 1, undefined, crypto);
    const huge = mkdtempSync(join(net, 'data-'));
    writeFileSync(join(huge, 'evidence.json'), ' '.repeat(evidenceFileMaxBytes(cluster.parameters) + 1));
    writeFileSync(join(huge, 'evidence.json.tmp'), 'half a write');
    const lines: LogLine[] = [];
    expect(store(huge, lines).load()).toEqual([]);
    expect((lines[0]!['problems'] as string[])[0]).toMatch(/bytes, more than the \d+ a file of this replica's can hold/);
    expect(existsSync(join(huge, 'evidence.json.tmp'))).toBe(false);

  });

  it('evidence.json is a directory, or a link to a device that never ends: not opened, moved aside like any other', () => {
    for (const make of [(path: string) => mkdirSync(path), (path: string) => symlinkSync('/dev/zero', path)]) {
      const data = mkdtempSync(join(net, 'data-'));
      make(join(data, 'evidence.json'));
      const lines: LogLine[] = [];
      expect(store(data, lines).load()).toEqual([]);
      expect((lines[0]!['problems'] as string[])[0]).toBe('not a regular file');
      expect(existsSync(join(data, 'evidence.json'))).toBe(false);
    }
  });

  it('a write that fails (the directory is gone) is logged, not thrown, and leaves nothing behind', () => {
    const data = mkdtempSync(join(net, 'data-'));
    const lines: LogLine[] = [];
    const kept = store(data, lines);
    rmSync(data, { recursive: true });
    kept.save([]);
    expect(lines).toEqual([expect.objectContaining({ event: 'evidence-save-failed', items: 0 })]);
  });
});

function clusterId(): string {
  return loadReplica(join(net, 'cluster.json'), 1, undefined, crypto).cluster.clusterId;
}
