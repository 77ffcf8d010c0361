// Byzantine clients (a workload option): clients with valid keys that misbehave.
// The types come first (scenario files name them); the behaviour follows below.
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { encodeSigned } from '../core/encoding.ts';
import type { Request, Signed, SignedRequest } from '../core/messages.ts';
import type { Operation } from '../core/operations.ts';
import type { Rng } from './rng.ts';

export type ByzantineClientKind =
  /** The same t with different operations to different replicas. */
  | 'equivocate'
  /** Timestamps near the top of the range, to exhaust a client's t space at replicas. */
  | 'huge-timestamp'
  /** Re-sends requests that already executed. */
  | 'replay'
  /** Many valid requests, as fast as the rate allows. */
  | 'flood-valid'
  /** Many requests with broken signatures or malformed frames. */
  | 'flood-invalid';

export const BYZANTINE_CLIENT_KINDS: readonly ByzantineClientKind[] = ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid'];

export interface ByzantineClientOptions {
  /** How many Byzantine clients; their ids follow the correct clients'. */
  readonly count: number;
  /** What they do; each client cycles through these. */
  readonly kinds: readonly ByzantineClientKind[];
  /** Requests each sends per simulated second. */
  readonly ratePerS: number;
}

// --- behaviour ---------------------------------------------------------------------------
//
// Fault model: clients are untrusted (OSDI'99 §3: any number of clients may be faulty),
// but hold registered keys, so what they sign is valid. These test what replicas owe
// them and the correct clients: a faulty client's request executes at most once and in
// one agreed order however it equivocates (§4.1, §4.2), old timestamps are answered from
// the client table or dropped (§4.1), and invalid frames die at the gateway. They write
// only under "byz/", which no correct client touches. Their writes still take versions
// from the database-wide counter, so the driver adds each of their requests that a
// correct replica executed to the client history (call: its first send; return: that
// execution), and the linearizability checker sees every version explained.

/** Each Byzantine client's own keys: "byz/<client>/<0..KEYS-1>", so the store stays small. */
const KEYS_PER_CLIENT = 8;
/** How close to 2^53-1 a huge timestamp lands when it goes for the top, and when it does. */
export const NEAR_TOP = 1000;
const TOP_IN_LAST_MS = 1000;
/** Requests a client remembers for replay. */
const REPLAY_MEMORY = 16;

export interface ByzantineClientsConfig {
  readonly options: ByzantineClientOptions;
  /** The first Byzantine client's id: the number of correct clients. */
  readonly firstId: number;
  readonly n: number;
  readonly crypto: Crypto;
  /** Key pair of Byzantine client `id` (the driver derives them like the correct clients'). */
  readonly keyPair: (id: number) => KeyPair;
  readonly rng: Rng;
  /** No client sends at or after this (the correct clients' workload ends then too). */
  readonly stopAtMs: number;
}

/** One frame a Byzantine client sends: to one replica, or to all of them. */
export interface ByzantineSend {
  readonly to: number | 'all';
  /** `frame` may be broken; `message` is then what it was made from (for traces only). */
  readonly signed: Signed;
}

interface ClientState {
  readonly id: number;
  readonly keyPair: KeyPair;
  readonly rng: Rng;
  timestamp: number;
  actions: number;
  readonly sent: SignedRequest[];
}

/** @example const clients = new ByzantineClients({ options: { count: 2, kinds: ['replay'], ratePerS: 20 }, firstId: 4, n: 4, crypto, keyPair, rng, stopAtMs: 8000 }); */
export class ByzantineClients {
  readonly ids: readonly number[];
  /** Sends per kind, for reports and tests: evidence that each attack ran. */
  readonly sent: Record<ByzantineClientKind, number> = { equivocate: 0, 'huge-timestamp': 0, replay: 0, 'flood-valid': 0, 'flood-invalid': 0 };
  /** Replies the replicas sent them (ignored otherwise). */
  replies = 0;
  readonly intervalMs: number;
  private readonly clients = new Map<number, ClientState>();

  constructor(private readonly config: ByzantineClientsConfig) {
    const { count, kinds, ratePerS } = config.options;
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`byzantineClients.count must be a whole number ≥ 0, got ${count}`);
    if (kinds.length === 0 || kinds.some((kind) => !BYZANTINE_CLIENT_KINDS.includes(kind))) throw new Error(`byzantineClients.kinds must be some of ${BYZANTINE_CLIENT_KINDS.join(', ')}`);
    if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new Error(`byzantineClients.ratePerS must be a number > 0, got ${ratePerS}`);
    this.intervalMs = 1000 / ratePerS;
    this.ids = Array.from({ length: count }, (_, index) => config.firstId + index);
    for (const id of this.ids) this.clients.set(id, { id, keyPair: config.keyPair(id), rng: config.rng.fork(`byzantine-client-${id}`), timestamp: 0, actions: 0, sent: [] });
  }

  get stopAtMs(): number {
    return this.config.stopAtMs;
  }

  publicKey(client: number): Uint8Array | undefined {
    return this.clients.get(client)?.keyPair.publicKey;
  }

  /** When `client` first acts: spread over one interval, so the clients do not fire together. */
  firstAtMs(client: number): number {
    return (this.clients.get(client)?.rng.next() ?? 0) * this.intervalMs;
  }

  /** What `client` sends at `nowMs`; the kinds take turns, each client starting at another one. */
  act(client: number, nowMs: number): ByzantineSend[] {
    const state = this.clients.get(client);
    if (state === undefined) return [];
    const kinds = this.config.options.kinds;
    const kind = kinds[(state.id - this.config.firstId + state.actions++) % kinds.length]!;
    this.sent[kind]++;
    switch (kind) {
      case 'equivocate':
        return this.equivocate(state);
      case 'huge-timestamp':
        return [{ to: 'all', signed: this.request(state, this.hugeTimestamp(state, nowMs)) }];
      case 'replay':
        return this.replay(state);
      case 'flood-valid':
        return [{ to: 'all', signed: this.request(state, this.nextTimestamp(state)) }];
      case 'flood-invalid':
        return [this.invalid(state)];
    }
  }

  /** One t, a different write to each half of the replicas (the primary gets one of them). */
  private equivocate(state: ClientState): ByzantineSend[] {
    const timestamp = this.nextTimestamp(state);
    const first = this.request(state, timestamp, 'a');
    const second = this.request(state, timestamp, 'b');
    const order = Array.from({ length: this.config.n }, (_, id) => ({ id, key: state.rng.next() })).sort((a, b) => a.key - b.key);
    const half = Math.ceil(this.config.n / 2);
    return order.map(({ id }, index) => ({ to: id, signed: index < half ? first : second }));
  }

  /**
   * A jump of 2^20..2^40 (the run cannot reach the top that way), and in the workload's
   * last second straight to within NEAR_TOP of 2^53-1: from there the client soon has no
   * new t left, and replicas must drop what it sends as stale. Waiting until then keeps
   * the client's other kinds, which need fresh timestamps, at work for the rest of the run.
   */
  private hugeTimestamp(state: ClientState, nowMs: number): number {
    const top = Number.MAX_SAFE_INTEGER;
    const next = nowMs >= this.config.stopAtMs - TOP_IN_LAST_MS ? top - state.rng.int(0, NEAR_TOP) : state.timestamp + 2 ** state.rng.int(20, 40);
    state.timestamp = Math.min(top, Math.max(state.timestamp + 1, next));
    return state.timestamp;
  }

  private replay(state: ClientState): ByzantineSend[] {
    const old = state.sent[state.rng.int(0, state.sent.length - 1)];
    return [{ to: 'all', signed: old ?? this.request(state, this.nextTimestamp(state)) }];
  }

  /** A frame the gateway must drop: a broken signature, garbage, a request in another client's name, or an unregistered client. */
  private invalid(state: ClientState): ByzantineSend {
    const to = state.rng.chance(0.5) ? 'all' : state.rng.int(0, this.config.n - 1);
    const valid = this.request(state, Math.min(Number.MAX_SAFE_INTEGER, state.timestamp + 1), 'x', false);
    const frame = Uint8Array.from(valid.frame);
    const variant = state.rng.int(0, 3);
    if (variant === 0) {
      frame[valid.signedBytes.length + state.rng.int(0, 63)]! ^= 1 << state.rng.int(0, 7);
      return { to, signed: { ...valid, frame } };
    }
    if (variant === 1) return { to, signed: { ...valid, frame: frame.subarray(0, state.rng.int(0, frame.length - 1)) } };
    // In a correct client's name (its key is not ours), if there is one; else an unregistered client's.
    const impersonated = variant === 2 && this.config.firstId > 0 ? state.rng.int(0, this.config.firstId - 1) : this.config.firstId + this.ids.length + state.rng.int(0, 1000);
    return { to, signed: this.sign(state, { ...valid.message, client: impersonated }) };
  }

  private nextTimestamp(state: ClientState): number {
    state.timestamp = Math.min(Number.MAX_SAFE_INTEGER, state.timestamp + 1);
    return state.timestamp;
  }

  /** A valid request on this client's own keys; remembered for replay unless `remember` is false. */
  private request(state: ClientState, timestamp: number, variant = '', remember = true): SignedRequest {
    const operation = this.operation(state, `${variant}${timestamp}`);
    const signed = this.sign(state, { type: 'request', operation, timestamp, client: state.id });
    if (remember) {
      state.sent.push(signed);
      if (state.sent.length > REPLAY_MEMORY) state.sent.shift();
    }
    return signed;
  }

  /** A write on one of this client's own keys, or a read. */
  private operation(state: ClientState, value: string): Operation {
    const key = `byz/${state.id}/${state.rng.int(0, KEYS_PER_CLIENT - 1)}`;
    const roll = state.rng.int(0, 9);
    if (roll < 6) return { type: 'put', key, value };
    if (roll < 8) return { type: 'remove', key };
    return roll < 9 ? { type: 'get', key } : { type: 'cas', key, expected: '', desired: value };
  }

  private sign(state: ClientState, request: Request): SignedRequest {
    return encodeSigned(request, (bytes) => this.config.crypto.sign(state.keyPair, bytes));
  }
}
