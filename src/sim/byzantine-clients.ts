// Byzantine clients (a workload option): clients with valid keys that misbehave.
// The types come first (scenario files name them); the behaviour follows below.
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import type { SessionKeys } from '../crypto/session-keys.ts';
import { requestAuthenticator, sessionKeysOf, type AuthMode } from '../core/auth.ts';
import { decodeMessage, encodeMacRequest, encodeSigned, MAC_BYTES, SIGNATURE_BYTES } from '../core/encoding.ts';
import type { ReadRequest, Request, Signed, SignedRequest } from '../core/messages.ts';
import type { Operation } from '../core/operations.ts';
import { shuffled } from '../adversary/rng.ts';
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
  | 'flood-invalid'
  /**
   * 'mac' mode: a validly signed request whose MACs are right at some replicas and wrong
   * at the others. In 'signed' mode, where requests carry no MACs, an ordinary request.
   */
  | 'split-authenticator'
  /** 'mac' mode: every MAC right but the signature random bytes. In 'signed' mode, a bad signature. */
  | 'mac-only';

export const BYZANTINE_CLIENT_KINDS: readonly ByzantineClientKind[] = ['equivocate', 'huge-timestamp', 'replay', 'flood-valid', 'flood-invalid', 'split-authenticator', 'mac-only'];

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
//
// In 'mac' mode (src/core/auth.ts) every request they send is in the MAC form: signed, and
// with one MAC per replica from their own session keys. Two kinds attack that form.
// split-authenticator: a genuine request (its signature verifies) whose MACs are wrong at
// some replicas; a backup whose MAC is wrong must fall back to the signature, or it would
// refuse the correct primary's PRE-PREPARE and vote that primary out (the gap the BFT
// library notes; Aardvark, NSDI'09 §4). mac-only: right MACs and a signature that does not
// verify; the primary must not order it, and a backup that judged it by its MAC alone
// would wait for it to execute and vote the correct primary out too.
//
// With read-only requests on (OSDI'99 §5.1, src/core/read-only.ts), the gets of the
// flood-valid kind go out as READs to every replica, which answer each at once without
// ordering it: the read path takes the same flood the ordered path does.

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
  /** The run's mode: in 'mac' mode every request carries an authenticator too. */
  readonly auth: AuthMode;
  /** Read-only requests are on in the run: flood-valid sends its gets as READs. */
  readonly readOnly?: boolean;
  /** The replicas' public keys, from which 'mac' mode derives the session keys. */
  readonly replicaKeys: readonly Uint8Array[];
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
  /** Its keys shared with each replica in 'mac' mode; undefined in 'signed' mode. */
  readonly sessionKeys: SessionKeys | undefined;
  readonly rng: Rng;
  timestamp: number;
  actions: number;
  readonly sent: SignedRequest[];
}

/** @example const clients = new ByzantineClients({ options: { count: 2, kinds: ['replay'], ratePerS: 20 }, firstId: 4, n: 4, crypto, auth: 'mac', replicaKeys, keyPair, rng, stopAtMs: 8000 }); */
export class ByzantineClients {
  readonly ids: readonly number[];
  /** Sends per kind, for reports and tests: evidence that each attack ran. */
  readonly sent: Record<ByzantineClientKind, number> = { equivocate: 0, 'huge-timestamp': 0, replay: 0, 'flood-valid': 0, 'flood-invalid': 0, 'split-authenticator': 0, 'mac-only': 0 };
  /** Replies the replicas sent them (ignored otherwise). */
  replies = 0;
  /** READs sent (read-only requests on): evidence that the read path took the flood. */
  reads = 0;
  readonly intervalMs: number;
  private readonly clients = new Map<number, ClientState>();

  constructor(private readonly config: ByzantineClientsConfig) {
    const { count, kinds, ratePerS } = config.options;
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`byzantineClients.count must be a whole number ≥ 0, got ${count}`);
    if (kinds.length === 0 || kinds.some((kind) => !BYZANTINE_CLIENT_KINDS.includes(kind))) throw new Error(`byzantineClients.kinds must be some of ${BYZANTINE_CLIENT_KINDS.join(', ')}`);
    if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new Error(`byzantineClients.ratePerS must be a number > 0, got ${ratePerS}`);
    this.intervalMs = 1000 / ratePerS;
    this.ids = Array.from({ length: count }, (_, index) => config.firstId + index);
    if (config.auth !== 'signed' && config.auth !== 'mac') throw new Error(`auth must be 'signed' or 'mac', got ${String(config.auth)}`);
    if (config.replicaKeys.length !== config.n) throw new Error(`replicaKeys must hold n=${config.n} keys`);
    for (const id of this.ids) {
      const keyPair = config.keyPair(id);
      // Like a correct client, it needs no other client's key: it only talks to replicas.
      const sessionKeys = config.auth === 'mac' ? sessionKeysOf({ kind: 'client', id }, { crypto: config.crypto, keyPair, replicaKeys: config.replicaKeys, clientKey: () => undefined }) : undefined;
      this.clients.set(id, { id, keyPair, sessionKeys, rng: config.rng.fork(`byzantine-client-${id}`), timestamp: 0, actions: 0, sent: [] });
    }
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
        return [{ to: 'all', signed: this.floodValid(state) }];
      case 'flood-invalid':
        return [this.invalid(state)];
      case 'split-authenticator':
        return [{ to: 'all', signed: this.splitAuthenticator(state) }];
      case 'mac-only':
        return [{ to: 'all', signed: this.macOnly(state) }];
    }
  }

  /**
   * A genuine request whose MACs are right only at replica 0 (the primary of view 0), at a
   * random half of the replicas, or at all but one; each wrong MAC has one bit flipped. In
   * 'signed' mode there are no MACs to break: an ordinary request.
   */
  private splitAuthenticator(state: ClientState): SignedRequest {
    const genuine = this.request(state, this.nextTimestamp(state), 's', false);
    const authenticator = genuine.authenticator;
    if (authenticator === undefined) return this.remember(state, genuine);
    const { n } = this.config;
    const order = shuffled(state.rng, Array.from({ length: n }, (_, id) => id));
    const variant = state.rng.int(0, 2);
    const right = variant === 0 ? [0] : order.slice(0, variant === 1 ? Math.ceil(n / 2) : n - 1);
    const frame = Uint8Array.from(genuine.frame);
    const start = frame.length - authenticator.length;
    for (let replica = 0; replica < n; replica++) {
      if (!right.includes(replica)) frame[start + replica * MAC_BYTES + state.rng.int(0, MAC_BYTES - 1)]! ^= 1 << state.rng.int(0, 7);
    }
    return this.remember(state, decodeMessage(frame) as SignedRequest);
  }

  /**
   * Right MACs at every replica under a signature of random bytes ('signed' mode: just the
   * bad signature). It takes the next t without using it up: were it accepted anywhere, the
   * client's next genuine request would collide with it.
   */
  private macOnly(state: ClientState): SignedRequest {
    const timestamp = Math.min(Number.MAX_SAFE_INTEGER, state.timestamp + 1);
    const request: Request = { type: 'request', operation: this.operation(state, `m${timestamp}`), timestamp, client: state.id };
    const signature = Uint8Array.from({ length: SIGNATURE_BYTES }, () => state.rng.int(0, 255));
    return this.encode(state, request, () => signature);
  }

  /**
   * A valid request; with read-only requests on, a get goes out as a READ instead (§5.1).
   * Either way the draws are those of request(), so a run without reads draws as before.
   */
  private floodValid(state: ClientState): Signed<Request | ReadRequest> {
    const timestamp = this.nextTimestamp(state);
    if (this.config.readOnly !== true) return this.request(state, timestamp);
    const operation = this.operation(state, `${timestamp}`);
    if (operation.type !== 'get') return this.remember(state, this.sign(state, { type: 'request', operation, timestamp, client: state.id }));
    this.reads++;
    return this.sign(state, { type: 'read', operation, timestamp, client: state.id });
  }

  /** One t, a different write to each half of the replicas (the primary gets one of them). */
  private equivocate(state: ClientState): ByzantineSend[] {
    const timestamp = this.nextTimestamp(state);
    const first = this.request(state, timestamp, 'a');
    const second = this.request(state, timestamp, 'b');
    const order = shuffled(state.rng, Array.from({ length: this.config.n }, (_, id) => id));
    const half = Math.ceil(this.config.n / 2);
    return order.map((id, index) => ({ to: id, signed: index < half ? first : second }));
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
    return remember ? this.remember(state, signed) : signed;
  }

  /** Keeps `signed` among the last REPLAY_MEMORY requests the replay kind draws from. */
  private remember(state: ClientState, signed: SignedRequest): SignedRequest {
    state.sent.push(signed);
    if (state.sent.length > REPLAY_MEMORY) state.sent.shift();
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

  /** Signed with this client's key; in 'mac' mode with one MAC per replica too (auth.ts). */
  private sign<R extends Request | ReadRequest>(state: ClientState, request: R): Signed<R> {
    return this.encode(state, request, (bytes) => this.config.crypto.sign(state.keyPair, bytes));
  }

  /** The request in the run's form, with the signature `sign` makes (which may be a wrong one). */
  private encode<R extends Request | ReadRequest>(state: ClientState, request: R, sign: (bytes: Uint8Array) => Uint8Array): Signed<R> {
    const keys = state.sessionKeys;
    if (keys === undefined) return encodeSigned(request, sign);
    return encodeMacRequest(request, sign, (bytes) => requestAuthenticator(keys, this.config.n, bytes));
  }
}
