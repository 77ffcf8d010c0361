// The adversary interface: a Byzantine replica is an honest Replica wrapped by an
// adversary, which sees every input before the replica does and every output after,
// and may rewrite, drop, delay or add to them (PBFT's fault model, OSDI'99 §2: faulty
// replicas behave arbitrarily, but cannot forge other replicas' signatures).
//
// What an adversary may do is exactly what the AdversaryApi hands it: its own key (sign),
// the honest replica it wraps (state it may read and tamper with), a second instance with
// the same key (twins), a seeded Rng, and a context shared by all faulty replicas of the
// run (collusion). It never holds another replica's key, so a message it signs while
// claiming another sender fails verification at every honest gateway.
//
// An adversary file needs no imports: it default-exports a plain object
//   { name, faultModel, attacks, options, create(api, options) }
// and can live anywhere; scenario files name it by path. See adversaries/README.md.
import type { Peer } from '../core/gateway.ts';
import type { ProtocolParameters } from '../core/config.ts';
import type { Checkpoint, Message, PrePrepare, PrePrepareHeader, Signed, SignedRequest } from '../core/messages.ts';
import type { Replica, ReplicaInput, ReplicaOutput } from '../core/replica.ts';
import { shuffled, type Rng } from './rng.ts';
export type { Rng } from './rng.ts';
import type { OptionSpecs, OptionValues } from './options.ts';

/**
 * What an adversary returns: anything a replica can output, where sends and broadcasts
 * may carry `delayMs`, held back by the driver before they reach the network.
 */
export type AdversaryOutput =
  | ReplicaOutput
  | { readonly kind: 'send'; readonly to: Peer; readonly signed: Signed; readonly delayMs?: number }
  | { readonly kind: 'broadcast'; readonly signed: Signed; readonly delayMs?: number };

export interface AdversaryApi {
  /** The replica this adversary speaks for; its key is the only one it holds. */
  readonly id: number;
  readonly n: number;
  readonly f: number;
  readonly parameters: ProtocolParameters;
  /** Every faulty replica of the run, this one included: the colluders. */
  readonly faulty: readonly number[];
  /** One object per run, shared by all faulty replicas: how they collude. */
  readonly shared: Map<string, unknown>;
  /**
   * Seeded per run and per replica: the adversary's only source of randomness. The driver
   * hands it in (the simulator forks it from the run seed; a process from --adversary-seed).
   */
  readonly rng: Rng;
  /** The honest replica inside (the current incarnation after a restart): read or tamper with its state. */
  readonly replica: Replica;
  /** Runs the honest replica on an input: what an honest replica would do now. */
  step(input: ReplicaInput): AdversaryOutput[];
  /**
   * Signs any message with this replica's key. The message may claim another sender; honest
   * replicas will catch it. In 'mac' mode a REPLY (full, or a digest reply with digest
   * replies on) is MACed for its client with this replica's session key instead, the form
   * clients check there (src/core/auth.ts).
   */
  sign<M extends Message>(message: M): Signed<M>;
  /** Decodes a frame without verifying it; undefined if it is malformed. */
  decode(frame: Uint8Array): Signed | undefined;
  /** SHA-256 of a batch as PRE-PREPARE's d covers it (§4.2). */
  batchDigest(batch: readonly SignedRequest[]): Uint8Array;
  /** A PRE-PREPARE with another batch signed by this replica: the equivocator's tool. */
  prePrepare(view: number, seq: number, batch: readonly SignedRequest[]): Signed<PrePrepare>;
  /**
   * A PRE-PREPARE header ⟨PRE-PREPARE, v, n, d⟩ without a batch, signed by this replica:
   * what O in a NEW-VIEW and prepared certificates carry (§4.4). Use NULL_DIGEST
   * (src/core/new-view.ts) for a null request.
   */
  prePrepareHeader(view: number, seq: number, digest: Uint8Array): Signed<PrePrepareHeader>;
  /**
   * Hands the honest replica inside a frame as if `from` had sent it, now; returns what it
   * did. Same as step({ kind: 'receive', from, frame, nowMs }). The frame still passes the
   * replica's own gateway: it must be signed by `from` (a replica) or by the client it
   * names, or it is dropped.
   */
  feed(frame: Uint8Array, from: Peer): AdversaryOutput[];
  /** h of the replica inside: its last stable checkpoint (§4.3). Read only. */
  readonly lowWatermark: number;
  /** H = h + L of the replica inside (§4.3). Read only. */
  readonly highWatermark: number;
  /** False while the replica inside is changing views, from its VIEW-CHANGE until it accepts the NEW-VIEW (§4.4). */
  readonly active: boolean;
  /** The stable checkpoint of the replica inside: n, the state digest, and its 2f+1 signed CHECKPOINTs (empty for n = 0). */
  readonly stableCheckpoint: { readonly seq: number; readonly digest: Uint8Array; readonly proof: readonly Signed<Checkpoint>[] };
  sha256(data: Uint8Array): Uint8Array;
  /** primary(v) = v mod n (§4.1). */
  primaryOf(view: number): number;
  /**
   * A second honest instance with this replica's key and a fresh state: a twin (Bano et al.,
   * Twins). Simulator only: a process has one network identity, so there it throws.
   */
  spawnTwin(): Replica;
  /** A line in the run's trace (`-V`), prefixed with the replica and time; in a process, a JSON log line. */
  note(line: string): void;
  /**
   * Now, in ms since the run started: the time of the input being handled. Simulated time
   * in the simulator; in a process (`pancydb replica --adversary`), wall-clock time since
   * the process started. Inputs the adversary receives carry the same clock.
   */
  readonly nowMs: number;
}

/** One adversary at one replica: it receives every input the replica would. */
export interface AdversaryInstance {
  step(input: ReplicaInput): readonly AdversaryOutput[];
}

/** What an adversary file default-exports. */
export interface AdversaryDefinition<Specs extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  /** The fault this adversary models (one line). */
  readonly faultModel: string;
  /** The guarantee it attacks, with the paper section that provides it. */
  readonly attacks: string;
  readonly options: Specs;
  create(api: AdversaryApi, options: OptionValues<Specs>): AdversaryInstance;
}

/** Identity, for type inference of `options` inside `create`. */
export function defineAdversary<Specs extends OptionSpecs>(definition: AdversaryDefinition<Specs>): AdversaryDefinition<Specs> {
  return definition;
}

/** Common filters: the outputs of one honest step, rewritten message by message. */
export function mapSends(
  outputs: readonly AdversaryOutput[],
  rewrite: (signed: Signed, to: Peer | 'all') => readonly AdversaryOutput[],
): AdversaryOutput[] {
  return outputs.flatMap((output) => {
    if (output.kind === 'send') return rewrite(output.signed, output.to);
    if (output.kind === 'broadcast') return rewrite(output.signed, 'all');
    return [output];
  });
}

/**
 * The same adversary, with every note(line) also handed to `listener` with the replica's
 * id and the time: how a test sees that an attack really happened, without a trace of the
 * whole run.
 */
export function observeNotes<Specs extends OptionSpecs>(
  definition: AdversaryDefinition<Specs>,
  listener: (id: number, line: string, nowMs: number) => void,
): AdversaryDefinition<Specs> {
  return {
    ...definition,
    create(api, options) {
      // A prototype link keeps api's getters (nowMs) live; only note is replaced.
      const observed: AdversaryApi = Object.create(api, {
        note: { value: (line: string) => (listener(api.id, line, api.nowMs), api.note(line)) },
      });
      return definition.create(observed, options);
    },
  };
}

// --- small helpers for adversary files ------------------------------------------------

/** The other replicas, in id order (the order every loop over replicas uses). */
export function peersOf(api: Pick<AdversaryApi, 'id' | 'n'>): number[] {
  return Array.from({ length: api.n }, (_, id) => id).filter((id) => id !== api.id);
}

/**
 * A random nonempty part of the other replicas, 1..n-1 of them: those a split attack
 * (mutate, byzzfuzz) sends its changed message to while the rest get the honest one.
 */
export function drawVictims(api: Pick<AdversaryApi, 'id' | 'n' | 'rng'>): Set<number> {
  const others = peersOf(api);
  return new Set(shuffled(api.rng, others).slice(0, api.rng.int(1, others.length)));
}

/** One message to one replica; held back `delayMs` by the driver when given. */
export function sendToReplica(id: number, signed: Signed, delayMs?: number): AdversaryOutput {
  const to: Peer = { kind: 'replica', id };
  return delayMs === undefined ? { kind: 'send', to, signed } : { kind: 'send', to, signed, delayMs };
}

/**
 * `map.set(key, value)`, then forgets the oldest keys beyond `capacity`: an adversary
 * remembers what it needs for its attack, but its memory stays bounded like a replica's.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= capacity) break;
    map.delete(oldest);
  }
}
