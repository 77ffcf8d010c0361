// The frame fuzzer: mutated frames fed to real replicas and clients in assorted states
// (test/support/fuzz-world.ts), with what must hold after every single frame:
//   - Replica.step and Client.step never throw (Byzantine input is dropped, house rule 4);
//   - a frame without a valid signature of the sender it claims changes nothing that
//     matters: not the view, not the executed prefix (lastExecuted), not the store digest,
//     and at a client it yields no result and no new view;
//   - nothing grows without bound: the log holds at most L entries, the future buffers at
//     most futureBufferPerSender per replica, the verify memo at most its capacity.
// Used by test/property/fuzz.property.test.ts (CI, ~20k frames) and bench/fuzz.ts
// (`npm run fuzz`, a million).

import { Writer } from '../../src/core/bytes.ts';
import type { Client } from '../../src/core/client.ts';
import { decodeMessage, encodeSigned, SIGNATURE_BYTES } from '../../src/core/encoding.ts';
import type { Peer } from '../../src/core/gateway.ts';
import { signerOf, type Message, type Signed } from '../../src/core/messages.ts';
import type { Replica } from '../../src/core/replica.ts';
import { buildWorld, WORLD_STATES, type CorpusFrame, type FuzzWorld, type WorldState } from './fuzz-world.ts';

export const MUTATION_KINDS = [
  'bit-flip',
  'truncate',
  'extend',
  'splice',
  'length-bomb',
  'field-swap',
  'nested-bomb',
  'wrong-key',
  'byzantine-signed',
  'random-bytes',
  'replay',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** The replica the fuzzer plays as Byzantine: it signs nonsense with its own real key. */
export const BYZANTINE_REPLICA = 3;

export interface FuzzFinding {
  readonly kind: 'throw' | 'state-change' | 'growth';
  readonly mutation: MutationKind;
  readonly frameIndex: number;
  readonly world: WorldState;
  readonly target: string;
  readonly detail: string;
}

export interface FuzzReport {
  readonly seed: string;
  frames: number;
  readonly byMutation: Record<MutationKind, number>;
  readonly dropsByReason: Map<string, number>;
  /** Mutated frames that still carried a valid signature of their claimed signer (exempt from the state check). */
  validlySigned: number;
  readonly findings: FuzzFinding[];
  maxLogSize: number;
  maxBuffered: number;
  maxMemoSize: number;
  worlds: number;
  elapsedMs: number;
}

export interface FuzzOptions {
  readonly seed: string;
  readonly frames: number;
  /** Frames fed to one world before a fresh one is built (the next state in turn). */
  readonly framesPerWorld?: number;
  /** Stop at the first finding (the CI property), or collect up to this many. */
  readonly maxFindings?: number;
  readonly onProgress?: (report: FuzzReport) => void;
}

/** mulberry32 over a 32-bit hash of the seed: fast, deterministic, good enough to pick mutations. */
export class Random {
  private state: number;
  constructor(seed: string) {
    let hash = 2166136261;
    for (let index = 0; index < seed.length; index++) hash = Math.imul(hash ^ seed.charCodeAt(index), 16777619);
    this.state = hash >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) bytes[index] = this.int(256);
    return bytes;
  }
}

// --- nested-frame bombs -------------------------------------------------------------

/** One level of nesting: the bytes before and after the nested frame's length-prefixed bytes. */
type Level = (innerLength: number) => { readonly before: Uint8Array; readonly after: Uint8Array };

const zeroSignature = new Uint8Array(SIGNATURE_BYTES);
const LEVELS: Record<string, Level> = {
  // PRE-PREPARE whose batch holds one frame.
  'pre-prepare': (length) => ({ before: new Writer().u8(2).uint(0).uint(1).fixed(new Uint8Array(32)).uint(0).fixed(zeroSignature).uint(1).uint(length).finish(), after: new Uint8Array(0) }),
  // NEW-VIEW whose V holds one frame and O nothing.
  'new-view': (length) => ({ before: new Writer().u8(9).uint(1).uint(1).uint(1).uint(length).finish(), after: new Writer().uint(0).fixed(zeroSignature).finish() }),
  // COMMIT-CERTIFICATE around one frame, no commits.
  'commit-certificate': (length) => ({ before: new Writer().u8(13).uint(0).uint(length).finish(), after: new Writer().uint(0).fixed(zeroSignature).finish() }),
  // STATE whose proof holds one frame, empty store and clients.
  state: (length) => ({ before: new Writer().u8(12).uint(4).uint(0).uint(1).uint(length).finish(), after: new Writer().uint(1).uint(0).uint(0).fixed(zeroSignature).finish() }),
};

/** `inner` wrapped `depth` times in `level`, assembled once (linear in the result's size). */
export function nestedBomb(level: Level, depth: number, inner: Uint8Array): Uint8Array {
  const parts: { before: Uint8Array; after: Uint8Array }[] = [];
  let length = inner.length;
  for (let index = 0; index < depth; index++) {
    const part = level(length);
    parts.push(part);
    length += part.before.length + part.after.length;
  }
  const frame = new Uint8Array(length);
  let start = 0;
  let end = length;
  for (let index = parts.length - 1; index >= 0; index--) {
    const { before, after } = parts[index]!;
    frame.set(before, start);
    start += before.length;
    end -= after.length;
    frame.set(after, end);
  }
  frame.set(inner, start);
  return frame;
}

function makeBombs(inner: Uint8Array): Uint8Array[] {
  const bombs: Uint8Array[] = [];
  for (const level of Object.values(LEVELS)) for (const depth of [4, 5, 64, 5000]) bombs.push(nestedBomb(level, depth, inner));
  // Mixed chains: each level a different kind (all but the first two are of the wrong type).
  const kinds = Object.values(LEVELS);
  let mixed = inner;
  for (let index = 0; index < 200; index++) mixed = nestedBomb(kinds[index % kinds.length]!, 1, mixed);
  bombs.push(mixed);
  return bombs;
}

// --- mutations ----------------------------------------------------------------------

const HUGE_LENGTHS = [2 ** 31, 2 ** 32 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER, 1 << 20, (1 << 24) + 1];
const NUMERIC_FIELDS = ['view', 'seq', 'replica', 'newView', 'stableSeq', 'lastExecuted', 'timestamp', 'client'] as const;
const LIST_FIELDS = ['prepared', 'checkpointProof', 'viewChanges', 'prePrepares', 'proof', 'commits', 'batch', 'clients'] as const;

interface Mutated {
  readonly from: Peer;
  readonly frame: Uint8Array;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function interesting(random: Random, value: number, other: number): number {
  return random.pick([0, 1, value + 1, Math.max(0, value - 1), other, 2 ** 32, Number.MAX_SAFE_INTEGER, random.int(16)]);
}

/** A structurally plausible change to a decoded message: a number, a digest or a list. */
function mutateFields(random: Random, message: Message): Message {
  const copy: Record<string, unknown> = { ...message };
  const numeric = NUMERIC_FIELDS.filter((field) => typeof copy[field] === 'number');
  const lists = LIST_FIELDS.filter((field) => Array.isArray(copy[field]) && (copy[field] as unknown[]).length > 0);
  const choice = random.int(3);
  if (choice === 0 && numeric.length > 0) {
    const field = random.pick(numeric);
    const other = copy[random.pick(numeric)] as number;
    copy[field] = interesting(random, copy[field] as number, other);
  } else if (choice === 1 && lists.length > 0) {
    const field = random.pick(lists);
    const list = [...(copy[field] as unknown[])];
    const index = random.int(list.length);
    const operation = random.int(3);
    if (operation === 0) list.splice(index, 1);
    else if (operation === 1) list.push(list[index]);
    else list.reverse();
    copy[field] = list;
  } else if (copy.digest instanceof Uint8Array) {
    copy.digest = random.bytes(32);
  } else if (numeric.length > 0) {
    const field = random.pick(numeric);
    copy[field] = interesting(random, copy[field] as number, 0);
  }
  return copy as unknown as Message;
}

export class FrameMutator {
  private readonly bombs: Uint8Array[];

  constructor(
    private readonly random: Random,
    private readonly world: FuzzWorld,
  ) {
    const small = world.corpus.find((entry) => entry.type === 'checkpoint') ?? world.corpus[0]!;
    this.bombs = makeBombs(small.frame);
  }

  mutate(kind: MutationKind, base: CorpusFrame, other: CorpusFrame): Mutated {
    const { random } = this;
    const frame = base.frame;
    switch (kind) {
      case 'bit-flip': {
        const copy = frame.slice();
        const flips = 1 + random.int(8);
        for (let flip = 0; flip < flips; flip++) {
          const bit = random.int(copy.length * 8);
          copy[bit >> 3]! ^= 1 << (bit & 7);
        }
        return { from: base.from, frame: copy };
      }
      case 'truncate':
        return { from: base.from, frame: frame.slice(0, random.int(frame.length)) };
      case 'extend':
        return { from: base.from, frame: concat(frame, random.bytes(1 + random.int(random.next() < 0.1 ? 4096 : 16))) };
      case 'splice':
        return { from: base.from, frame: concat(frame.subarray(0, random.int(frame.length + 1)), other.frame.subarray(random.int(other.frame.length + 1))) };
      case 'length-bomb': {
        const at = random.int(frame.length);
        const bomb = new Writer().uint(random.pick(HUGE_LENGTHS)).finish();
        const replace = random.next() < 0.5 ? 1 + random.int(4) : 0;
        return { from: base.from, frame: concat(frame.subarray(0, at), bomb, frame.subarray(Math.min(frame.length, at + replace))) };
      }
      case 'nested-bomb': {
        const bomb = random.pick(this.bombs);
        return { from: this.randomPeer(base.from), frame: random.next() < 0.2 ? this.mutate('bit-flip', { ...base, frame: bomb }, other).frame : bomb };
      }
      case 'random-bytes':
        return { from: this.randomPeer(base.from), frame: random.bytes(random.int(300)) };
      case 'replay':
        return { from: random.next() < 0.8 ? base.from : this.randomPeer(base.from), frame };
      case 'field-swap':
      case 'wrong-key':
      case 'byzantine-signed':
        return this.resigned(kind, base);
    }
  }

  /** Decoded, changed, re-encoded: keeping the old signature, or signed by the wrong key, or by the Byzantine replica. */
  private resigned(kind: 'field-swap' | 'wrong-key' | 'byzantine-signed', base: CorpusFrame): Mutated {
    const { random, world } = this;
    const signed = decodeMessage(base.frame);
    let message = random.next() < 0.9 ? mutateFields(random, signed.message) : signed.message;
    let from = base.from;
    let sign: (bytes: Uint8Array) => Uint8Array;
    if (kind === 'field-swap') {
      sign = () => signed.signature;
    } else if (kind === 'wrong-key') {
      const keyPair = random.next() < 0.5 ? world.replicaKeyPairs[random.int(world.n)]! : world.clientKeyPairs[random.int(world.clientKeyPairs.length)]!;
      sign = (bytes) => world.crypto.sign(keyPair, bytes);
    } else {
      if ('replica' in message) message = { ...message, replica: BYZANTINE_REPLICA } as Message;
      from = { kind: 'replica', id: BYZANTINE_REPLICA };
      sign = (bytes) => world.crypto.sign(world.replicaKeyPairs[BYZANTINE_REPLICA]!, bytes);
    }
    try {
      return { from, frame: encodeSigned(message, sign).frame };
    } catch {
      // A value the encoder refuses (it checks its own inputs): send the original instead.
      return { from, frame: (signed as Signed).frame };
    }
  }

  private randomPeer(fallback: Peer): Peer {
    const roll = this.random.int(10);
    if (roll < 6) return fallback;
    if (roll < 9) return { kind: 'replica', id: this.random.int(this.world.n) };
    return { kind: 'client', id: this.random.int(this.world.clientKeyPairs.length) };
  }
}

// --- oracle and checks ----------------------------------------------------------------

/** True iff the frame decodes and carries a valid signature of the signer its sender claims to be. */
export function validlySignedBy(world: FuzzWorld, from: Peer, frame: Uint8Array): boolean {
  let signed: Signed;
  try {
    signed = decodeMessage(frame);
  } catch {
    return false;
  }
  const message = signed.message;
  const signer: Peer = signerOf(message);
  if (signer.kind === 'replica' && (from.kind !== 'replica' || from.id !== signer.id)) return false;
  if (message.type === 'request' && from.kind === 'client' && from.id !== signer.id) return false;
  const key = world.keyOf(signer);
  return key !== undefined && world.crypto.verify(key, signed.signedBytes, signed.signature);
}

interface ReplicaSnapshot {
  readonly view: number;
  readonly lastExecuted: number;
  readonly digest: string;
}

function snapshotOf(replica: Replica): ReplicaSnapshot {
  return { view: replica.view, lastExecuted: replica.lastExecuted, digest: Buffer.from(replica.store.digest()).toString('hex') };
}

function emptyReport(seed: string): FuzzReport {
  const byMutation = Object.fromEntries(MUTATION_KINDS.map((kind) => [kind, 0])) as Record<MutationKind, number>;
  return { seed, frames: 0, byMutation, dropsByReason: new Map(), validlySigned: 0, findings: [], maxLogSize: 0, maxBuffered: 0, maxMemoSize: 0, worlds: 0, elapsedMs: 0 };
}

const count = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/** Runs the fuzzer; deterministic for a given seed and frame count. */
export function fuzz(options: FuzzOptions): FuzzReport {
  const report = emptyReport(options.seed);
  const framesPerWorld = options.framesPerWorld ?? 5000;
  const maxFindings = options.maxFindings ?? 20;
  const random = new Random(options.seed);
  const startMs = performance.now();
  while (report.frames < options.frames && report.findings.length < maxFindings) {
    const state = WORLD_STATES[report.worlds % WORLD_STATES.length]!;
    const world = buildWorld(state, `${options.seed}/${report.worlds}`);
    report.worlds++;
    const frames = Math.min(framesPerWorld, options.frames - report.frames);
    fuzzWorld(world, state, random, frames, report, maxFindings, options.onProgress);
  }
  report.elapsedMs = performance.now() - startMs;
  return report;
}

function fuzzWorld(world: FuzzWorld, state: WorldState, random: Random, frames: number, report: FuzzReport, maxFindings: number, onProgress?: (report: FuzzReport) => void): void {
  const mutator = new FrameMutator(random, world);
  const corpus = world.corpus;
  const replies = corpus.filter((entry) => entry.type === 'reply');
  let client = world.makeClient(0);
  const { logWindow, futureBufferPerSender } = world.parameters;
  for (let index = 0; index < frames && report.findings.length < maxFindings; index++) {
    const kind = random.pick(MUTATION_KINDS);
    report.byMutation[kind]++;
    const frameIndex = report.frames++;
    if (onProgress !== undefined && frameIndex % 50_000 === 0) onProgress(report);
    const toClient = random.next() < 0.15 && replies.length > 0;
    // Three times in ten a recent frame: those are inside the current view and watermarks, so
    // they get past the cheap checks to signatures, certificates and the replica's handlers.
    const recent = corpus.length > 120 && random.next() < 0.3 ? corpus.slice(-120) : corpus;
    const base = toClient ? random.pick(replies) : random.pick(recent);
    const mutated = mutator.mutate(kind, base, random.pick(corpus));
    const valid = validlySignedBy(world, mutated.from, mutated.frame);
    if (valid) report.validlySigned++;
    const finding = (findingKind: FuzzFinding['kind'], target: string, detail: string): void => {
      report.findings.push({ kind: findingKind, mutation: kind, frameIndex, world: state, target, detail });
    };
    if (toClient) {
      if (!client.busy) client.step({ kind: 'submit', operation: { type: 'get', key: 'k0' }, nowMs: world.nowMs });
      const view = client.view;
      let outputs: ReturnType<Client['step']>;
      try {
        outputs = client.step({ kind: 'receive', from: mutated.from, frame: mutated.frame, nowMs: world.nowMs });
      } catch (error) {
        finding('throw', 'client 0', String(error));
        client = world.makeClient(0);
        continue;
      }
      for (const output of outputs) if (output.kind === 'drop') count(report.dropsByReason, `client: ${output.reason}`);
      if (!valid && (client.view !== view || outputs.some((output) => output.kind === 'result'))) finding('state-change', 'client 0', `view ${view} -> ${client.view}`);
      continue;
    }
    const replica = world.replicas[random.int(world.n)]!;
    const before = valid ? undefined : snapshotOf(replica);
    let outputs: ReturnType<Replica['step']>;
    try {
      outputs = replica.step({ kind: 'receive', from: mutated.from, frame: mutated.frame, nowMs: world.nowMs });
    } catch (error) {
      finding('throw', `replica ${replica.id}`, error instanceof Error ? `${error.message} ${error.stack?.split('\n')[1]?.trim() ?? ''}` : String(error));
      continue;
    }
    for (const output of outputs) if (output.kind === 'drop') count(report.dropsByReason, output.reason);
    if (before !== undefined) {
      const after = snapshotOf(replica);
      if (after.view !== before.view || after.lastExecuted !== before.lastExecuted || after.digest !== before.digest) {
        finding('state-change', `replica ${replica.id}`, `view ${before.view}->${after.view}, lastExecuted ${before.lastExecuted}->${after.lastExecuted}, digest ${after.digest === before.digest ? 'same' : 'changed'}`);
      }
    }
    const logSize = replica.log.size;
    const buffered = replica.bufferedCount;
    report.maxLogSize = Math.max(report.maxLogSize, logSize);
    report.maxBuffered = Math.max(report.maxBuffered, buffered);
    report.maxMemoSize = Math.max(report.maxMemoSize, world.crypto.size());
    if (logSize > logWindow) finding('growth', `replica ${replica.id}`, `log holds ${logSize} > L=${logWindow}`);
    if (buffered > futureBufferPerSender * world.n) finding('growth', `replica ${replica.id}`, `${buffered} buffered > ${futureBufferPerSender * world.n}`);
    if (world.crypto.size() > world.crypto.capacity) finding('growth', 'memo', `${world.crypto.size()} entries`);
  }
}

/** The command that replays a run, printed with every finding. */
export function replayCommand(seed: string, frames: number): string {
  return `npm run fuzz -- --seed ${seed} --frames ${frames}`;
}
