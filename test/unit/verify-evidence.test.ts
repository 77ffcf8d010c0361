// `pancydb verify-evidence` (src/cli/verify-evidence.ts, src/check/evidence-verify.ts):
// evidence signed with a simulated run's keys (seed 7) or a testnet's, accepted with the
// culprit named; forged, mismatched and malformed evidence rejected with a reason that
// names what is wrong (exit 1); usage errors naming the flag (exit 2); and a file with no
// items, which convicts no one and is no fault (exit 3).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { evidenceFileText, hexFrames } from '../../src/check/evidence-file.ts';
import { encodeSigned, headerOf } from '../../src/core/encoding.ts';
import type { Checkpoint, Message, Prepare, PrePrepare, Signed, ViewChange } from '../../src/core/messages.ts';
import { createCrypto, deriveSecretKey, type KeyPair } from '../../src/crypto/index.ts';
import { generateTestnet } from '../../src/deploy/testnet.ts';
import { readKeyFile } from '../../src/deploy/key-file.ts';

const crypto = createCrypto('native');
const SEED = 7;
const simKeys = Array.from({ length: 4 }, (_, id) => crypto.keyPair(deriveSecretKey(SEED, 'replica', id)));
const directory = mkdtempSync(join(tmpdir(), 'pancydb-verify-evidence-'));

const signWith = <M extends Message>(keyPair: KeyPair, message: M): Signed<M> => encodeSigned(message, (bytes) => crypto.sign(keyPair, bytes));
const digest = (label: string) => crypto.sha256(new TextEncoder().encode(label));
const prepare = (replica: number, seq: number, label: string, keyPair = simKeys[replica]!) => signWith<Prepare>(keyPair, { type: 'prepare', view: 0, seq, digest: digest(label), replica });
/** A statement's evidence frame: signed bytes, then signature (for a PRE-PREPARE, its header). */
const frameOf = (signed: Signed) => (signed.message.type === 'pre-prepare' ? headerOf(signed as Signed<PrePrepare>).frame : signed.frame);

let files = 0;
function evidenceFile(frames: readonly [Uint8Array, Uint8Array], claims: Record<string, unknown> = {}): string {
  const path = join(directory, `evidence-${files++}.json`);
  writeFileSync(path, evidenceFileText({ kind: 'sim', seed: SEED, n: 4 }, [{ ...claims, frames: hexFrames(frames) }]));
  return path;
}

function textFile(text: string): string {
  const path = join(directory, `text-${files++}.json`);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

const verify = (file: string, ...flags: string[]) => run(['verify-evidence', file, '--sim-seed', String(SEED), ...flags]);

describe('verify-evidence: genuine evidence names the culprit (exit 0)', () => {
  it('two PREPAREs of replica 2 for (v=0, n=5): culprit: replica 2 (prepare, v=0 n=5)', async () => {
    const result = await verify(evidenceFile([prepare(2, 5, 'a').frame, prepare(2, 5, 'b').frame], { culprit: 2, kind: 'prepare', view: 0, seq: 5 }));
    expect(result).toEqual({ status: 0, out: ['culprit: replica 2 (prepare, v=0 n=5)'], err: [] });
  });

  it('two PRE-PREPARE headers, two CHECKPOINTs and two VIEW-CHANGEs, one item each in one file', async () => {
    const prePrepare = (label: string) => frameOf(signWith<PrePrepare>(simKeys[0]!, { type: 'pre-prepare', view: 0, seq: 3, digest: digest(label), replica: 0, batch: [] }));
    const checkpoint = (label: string) => signWith<Checkpoint>(simKeys[1]!, { type: 'checkpoint', seq: 100, digest: digest(label), replica: 1 }).frame;
    const viewChange = (stableSeq: number) => signWith<ViewChange>(simKeys[3]!, { type: 'view-change', newView: 2, stableSeq, checkpointProof: [], prepared: [], replica: 3 }).frame;
    const path = textFile(
      evidenceFileText({ kind: 'sim', seed: SEED, n: 4 }, [
        { frames: hexFrames([prePrepare('A'), prePrepare('B')]) },
        { frames: hexFrames([checkpoint('s'), checkpoint('t')]) },
        { frames: hexFrames([viewChange(0), viewChange(5)]) },
      ]),
    );
    const result = await verify(path, '--scenario', 'adversaries/scenarios/equivocate.json');
    expect(result.out).toEqual(['item 0: culprit: replica 0 (pre-prepare, v=0 n=3)', 'item 1: culprit: replica 1 (checkpoint, n=100)', 'item 2: culprit: replica 3 (view-change, v=2)']);
    expect(result.status).toBe(0);
  });

  it("--cluster: a testnet's cluster.json and its replica's key file", async () => {
    const out = join(directory, 'net');
    const { file, config } = await generateTestnet({ n: 4, out, hosts: ['127.0.0.1'], basePort: 20000, clients: 1, crypto });
    const key = readKeyFile(join(out, 'replica-1.key'), crypto);
    expect(key.publicKey).toEqual(config.replicas[1]!.publicKey);
    const path = evidenceFile([prepare(1, 9, 'a', key).frame, prepare(1, 9, 'b', key).frame]);
    expect(await run(['verify-evidence', path, '--cluster', file])).toEqual({ status: 0, out: ['culprit: replica 1 (prepare, v=0 n=9)'], err: [] });
    // The same file against the simulated run's keys: replica 1's signature is not seed 7's.
    const wrongKeys = await verify(path);
    expect(wrongKeys.status).toBe(1);
    expect(wrongKeys.out[0]).toMatch(/^rejected: frame 1: the signature does not verify with replica 1's public key/);
  });
});

describe('verify-evidence: forged, mismatched or malformed evidence is rejected with the reason (exit 1)', () => {
  const first = prepare(2, 5, 'a');
  const flipped = (frame: Uint8Array, index: number) => {
    const copy = frame.slice();
    copy[index] = copy[index]! ^ 0x01;
    return copy;
  };
  const cases: readonly (readonly [string, () => string, RegExp])[] = [
    ['a flipped signature byte', () => evidenceFile([first.frame, flipped(prepare(2, 5, 'b').frame, first.frame.length - 1)]), /^rejected: frame 2: the signature does not verify with replica 2's public key/],
    ['a flipped digest byte (the signature no longer covers it)', () => evidenceFile([flipped(first.frame, 10), first.frame]), /^rejected: frame 1: the signature does not verify/],
    ['two frames from different signers', () => evidenceFile([first.frame, prepare(3, 5, 'b').frame]), /^rejected: the frames are signed by different replicas \(2 and 3\)$/],
    ['two identical frames', () => evidenceFile([first.frame, first.frame]), /^rejected: the two frames say the same thing at v=0 n=5: a retransmission, not equivocation$/],
    ['two frames for different slots', () => evidenceFile([first.frame, prepare(2, 6, 'b').frame]), /^rejected: the frames are for different slots \(v=0 n=5 and v=0 n=6\): no conflict$/],
    ['a PREPARE against a COMMIT', () => evidenceFile([first.frame, signWith(simKeys[2]!, { type: 'commit', view: 0, seq: 5, digest: digest('b'), replica: 2 }).frame]), /^rejected: the frames are a PREPARE and a COMMIT: not one kind of statement$/],
    ['frames that claim another culprit', () => evidenceFile([first.frame, prepare(2, 5, 'b').frame], { culprit: 1 }), /^rejected: the item names culprit 1, but its frames are signed by replica 2$/],
    ['frames that claim another slot', () => evidenceFile([first.frame, prepare(2, 5, 'b').frame], { seq: 4 }), /^rejected: the item names n=4, but its frames are for v=0 n=5$/],
    ['a truncated frame', () => evidenceFile([first.frame.slice(0, -1), prepare(2, 5, 'b').frame]), /^rejected: frame 1 does not decode: /],
    ['a full PRE-PREPARE with its batch', () => evidenceFile([signWith<PrePrepare>(simKeys[0]!, { type: 'pre-prepare', view: 0, seq: 1, digest: digest('x'), replica: 0, batch: [] }).frame, first.frame]), /^rejected: frame 1: a PRE-PREPARE with its batch/],
    ['garbage JSON', () => textFile('{"format": "pancydb-evidence/v1", "evidence": [ {'), /^rejected: .*: not JSON: /],
    ['JSON that is not an evidence file', () => textFile('{"format": "pancydb-cluster/v1"}'), /^rejected: .*: format: expected "pancydb-evidence\/v1", got "pancydb-cluster\/v1"$/],
    ['a frame that is not hex', () => textFile('{"format": "pancydb-evidence/v1", "evidence": [{"frames": ["zz", "00"]}]}'), /^rejected: .*: evidence\.0\.frames\.0: expected lowercase hex of whole bytes$/],
  ];
  it.each(cases)('%s', async (_name, file, reason) => {
    const result = await verify(file(), '--scenario', 'adversaries/scenarios/equivocate.json');
    expect(result.out).toHaveLength(1);
    expect(result.out[0]).toMatch(reason);
    expect(result.status).toBe(1);
  });

  it('a list of no items is no conviction, and no rejection either: "no evidence", exit 3 (what a replica that caught no one serves on GET /evidence)', async () => {
    const empty = textFile(evidenceFileText({ kind: 'cluster', clusterId: 'a'.repeat(64) }, []));
    const result = await verify(empty);
    expect(result).toEqual({ status: 3, out: [`no evidence: ${empty} holds no items, so there is nothing to convict`], err: [] });
    // Still checked as a file first: a malformed empty one is rejected.
    expect((await verify(textFile('{"format": "pancydb-evidence/v1", "evidence": [], "extra": 1}'))).status).toBe(1);
  });

  it('a replica id the named run does not have: no key, rejected', async () => {
    const stranger = crypto.keyPair(deriveSecretKey(SEED, 'replica', 5));
    const path = evidenceFile([prepare(5, 5, 'a', stranger).frame, prepare(5, 5, 'b', stranger).frame]);
    const result = await verify(path, '--scenario', 'adversaries/scenarios/equivocate.json');
    expect(result).toMatchObject({ status: 1, out: ['rejected: replica 5 has no key in the simulated run of seed 7 (n=4)'] });
  });
});

describe('verify-evidence: usage errors name the flag (exit 2)', () => {
  const good = () => evidenceFile([prepare(2, 5, 'a').frame, prepare(2, 5, 'b').frame]);
  it.each([
    ['no FILE', () => ['verify-evidence', '--sim-seed', '7'], /verify-evidence needs one FILE, got none/],
    ['neither --cluster nor --sim-seed', () => ['verify-evidence', good()], /needs --cluster FILE or --sim-seed SEED/],
    ['both --cluster and --sim-seed', () => ['verify-evidence', good(), '--sim-seed', '7', '--cluster', 'x.json'], /needs --cluster FILE or --sim-seed SEED \(one of them\)/],
    ['a --sim-seed that is not a number', () => ['verify-evidence', good(), '--sim-seed', 'seven'], /--sim-seed: must be a whole number/],
    ['--scenario with --cluster', () => ['verify-evidence', good(), '--cluster', 'x.json', '--scenario', 'y.json'], /--scenario goes with --sim-seed/],
    ['a FILE that does not exist', () => ['verify-evidence', join(directory, 'missing.json'), '--sim-seed', '7'], /missing\.json: cannot read the evidence file/],
    ['an unknown flag', () => ['verify-evidence', good(), '--sim-seed', '7', '--seed', '7'], /--seed/],
  ] as const)('%s', async (_name, args, message) => {
    const result = await run([...args()]);
    expect(result.status).toBe(2);
    expect(result.err[0]).toMatch(message);
    expect(result.err[1]).toBe("Try 'pancydb verify-evidence --help'.");
  });

  it('--help prints the usage, exit 0', async () => {
    const result = await run(['verify-evidence', '--help']);
    expect(result.status).toBe(0);
    expect(result.out[0]).toMatch(/^Usage: pancydb verify-evidence FILE \(--cluster cluster\.json \| --sim-seed SEED/);
    expect(result.out[0]).toMatch(/3 no evidence: FILE is well-formed but holds no items/);
  });
});
