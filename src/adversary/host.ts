// Hosts an adversary at one replica: builds its AdversaryApi (own key only) and exposes
// it to the driver as a ReplicaNode. The driver never sees the difference between an
// honest replica and a hosted adversary except that a faulty replica's events are not
// fed to the checkers (a Byzantine replica's own account of what it did is worthless).
import { sessionKeysOf } from '../core/auth.ts';
import { encodeBatch, decodeMessage, encodeMacReply, encodeSigned, headerOf } from '../core/encoding.ts';
import type { ReplicaConfig } from '../core/config.ts';
import type { Message, PrePrepare, Reply, ReplyDigest, Signed, SignedRequest } from '../core/messages.ts';
import { primaryOf, quorumsFor } from '../core/quorum.ts';
import { Replica, type ReplicaInput } from '../core/replica.ts';
import type { Rng } from './rng.ts';
import { UsageError } from '../cli/usage-error.ts';
import type { AdversaryApi, AdversaryDefinition, AdversaryInstance, AdversaryOutput } from './adversary.ts';
import { readOptions } from './options.ts';

/** One faulty replica of a run: which adversary, with which options (unchecked, as the scenario gave them). */
export interface FaultySpec {
  readonly definition: AdversaryDefinition;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface HostContext {
  readonly config: ReplicaConfig;
  readonly faulty: readonly number[];
  readonly shared: Map<string, unknown>;
  readonly rng: Rng;
  readonly note: (line: string) => void;
  /**
   * Set when the replica comes back from a crash, a new incarnation with no memory: its
   * RECOVERY-QUERY nonce (src/core/restart-guard.ts).
   */
  readonly recoveryNonce?: Uint8Array;
  /**
   * Where the adversary's clock starts, in the driver's time (default 0). Simulated time
   * starts at 0; a process's is Date.now(), so the process driver passes its start time
   * and an option such as silent's `fromS: 5` still means five seconds into the run. The
   * honest replica inside keeps the driver's time.
   */
  readonly clockOriginMs?: number;
  /**
   * Set by a driver that cannot host a twin (a second instance with this replica's key
   * needs a second network identity): why, for the error api.spawnTwin() then throws.
   */
  readonly twinsUnsupported?: string;
}

/** How an AdversaryFault's text starts once it has crossed a worker thread as a string. */
export const ADVERSARY_FAULT_TAG = 'AdversaryFault: ';

/**
 * An adversary that broke its contract: create() or step() threw, or step() returned
 * something that is not a list of outputs. That is a bug in the scenario's adversary,
 * not a finding about PBFT, so it is a usage error (exit 2) reported in one line naming
 * the adversary and the replica. Its stack is that line too, so a sweep worker, which
 * passes on `stack`, hands back the same line.
 */
export class AdversaryFault extends UsageError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message);
    this.stack = `${ADVERSARY_FAULT_TAG}${message}`;
  }
}

export class HostedAdversary {
  readonly replica: Replica;
  private readonly instance: AdversaryInstance;
  /** `adversary "name" at replica R`: how every AdversaryFault starts. */
  private readonly label: string;
  private readonly n: number;
  /** HostContext.clockOriginMs: driver time = adversary time + originMs. */
  private readonly originMs: number;
  /** The time of the input being handled, in the adversary's time (from clockOriginMs). */
  nowMs = 0;

  constructor(spec: FaultySpec, context: HostContext) {
    const { config } = context;
    this.replica = new Replica(config, context.recoveryNonce === undefined ? {} : { restarted: true, recoveryNonce: context.recoveryNonce });
    const host = this;
    const originMs = context.clockOriginMs ?? 0;
    /** An input in the adversary's time, as the honest replica inside must see it: in the driver's time. */
    const driverTime = (input: ReplicaInput): ReplicaInput => (originMs === 0 ? input : { ...input, nowMs: input.nowMs + originMs });
    this.originMs = originMs;
    const sign = authenticateAs(config);
    const batchDigest = (batch: readonly SignedRequest[]) => config.crypto.sha256(encodeBatch(batch));
    const api: AdversaryApi = {
      id: config.id,
      n: config.n,
      f: quorumsFor(config.n).f,
      parameters: config,
      faulty: context.faulty,
      shared: context.shared,
      rng: context.rng,
      replica: this.replica,
      step: (input: ReplicaInput) => honestly(() => this.replica.step(driverTime(input))),
      sign,
      decode: (frame) => {
        try {
          return decodeMessage(frame);
        } catch {
          return undefined;
        }
      },
      batchDigest,
      prePrepare: (view, seq, batch) => sign<PrePrepare>({ type: 'pre-prepare', view, seq, digest: batchDigest(batch), replica: config.id, batch }),
      prePrepareHeader: (view, seq, digest) => headerOf(sign<PrePrepare>({ type: 'pre-prepare', view, seq, digest, replica: config.id, batch: [] })),
      feed: (frame, from) => api.step({ kind: 'receive', from, frame, nowMs: host.nowMs }),
      get lowWatermark() {
        return host.replica.lowWatermark;
      },
      get highWatermark() {
        return host.replica.highWatermark;
      },
      get active() {
        return host.replica.active;
      },
      get stableCheckpoint() {
        const { seq, digest, proof } = host.replica.checkpoints.stable;
        return { seq, digest, proof };
      },
      sha256: (data) => config.crypto.sha256(data),
      primaryOf: (view) => primaryOf(view, config.n),
      spawnTwin: () => {
        if (context.twinsUnsupported !== undefined) throw new AdversaryFault(`${this.label}: api.spawnTwin() is not available here: ${context.twinsUnsupported}`);
        const twin = new Replica(config);
        const step = twin.step.bind(twin);
        twin.step = (input) => honestly(() => step(input));
        return twin;
      },
      note: context.note,
      get nowMs() {
        return host.nowMs;
      },
    };
    this.label = `adversary ${JSON.stringify(spec.definition.name)} at replica ${config.id}`;
    this.n = config.n;
    let instance: unknown;
    try {
      instance = spec.definition.create(api, readOptions(spec.definition.options, spec.options));
    } catch (error) {
      if (error instanceof AdversaryFault || HONEST_ERRORS.has(error as object)) throw error;
      throw new AdversaryFault(`${this.label}: create() threw: ${messageOf(error)}`);
    }
    if (typeof instance !== 'object' || instance === null || typeof (instance as { step?: unknown }).step !== 'function') {
      throw new AdversaryFault(`${this.label}: create() must return an object with a step(input) method, got ${describe(instance)}`);
    }
    this.instance = instance as AdversaryInstance;
  }

  /** One input in the driver's time; the adversary sees it in its own (HostContext.clockOriginMs). */
  step(input: ReplicaInput): readonly AdversaryOutput[] {
    if (this.originMs !== 0) input = { ...input, nowMs: input.nowMs - this.originMs };
    this.nowMs = input.nowMs;
    let outputs: unknown;
    try {
      outputs = this.instance.step(input);
    } catch (error) {
      if (error instanceof AdversaryFault || HONEST_ERRORS.has(error as object)) throw error;
      throw new AdversaryFault(`${this.label}: step() threw at ${(input.nowMs / 1000).toFixed(3)} s: ${messageOf(error)}`);
    }
    const problem = outputsProblem(outputs, this.n);
    if (problem !== undefined) throw new AdversaryFault(`${this.label}: step() at ${(input.nowMs / 1000).toFixed(3)} s returned ${problem}`);
    return outputs as readonly AdversaryOutput[];
  }
}

/**
 * api.sign: what a replica with this config would send. In 'mac' mode a REPLY, full or a
 * digest reply (OSDI'99 §5.1, src/core/digest-replies.ts), carries one MAC for its client
 * instead of a signature, as a correct replica's does (src/core/auth.ts): a forged reply
 * must reach the client's MAC check, not die as the wrong form, for an adversary that
 * forges replies to be as strong as in 'signed' mode. Everything else, and everything in
 * 'signed' mode, is signed with the replica's own key.
 */
function authenticateAs(config: ReplicaConfig): <M extends Message>(message: M) => Signed<M> {
  const signWithKey = <M extends Message>(message: M): Signed<M> => encodeSigned(message, (bytes) => config.crypto.sign(config.keyPair, bytes));
  if ((config.auth ?? 'signed') === 'signed') return signWithKey;
  const keys = sessionKeysOf({ kind: 'replica', id: config.id }, config);
  return <M extends Message>(message: M): Signed<M> => {
    if (message.type !== 'reply' && message.type !== 'reply-digest') return signWithKey(message);
    const reply = message as Reply | ReplyDigest;
    return encodeMacReply(reply, (bytes) => keys.tag({ kind: 'client', id: reply.client }, bytes)) as unknown as Signed<M>;
  };
}

/**
 * Errors thrown by an honest Replica the adversary drives (api.step, a twin): a broken
 * invariant of ours, not the adversary's fault, so they pass through unwrapped, loudly.
 */
const HONEST_ERRORS = new WeakSet<object>();

function honestly<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (typeof error === 'object' && error !== null) HONEST_ERRORS.add(error);
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return `an object with keys ${JSON.stringify(Object.keys(value).slice(0, 5))}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

const OUTPUT_KINDS = ['send', 'broadcast', 'drop', 'event', 'persist', 'checkpoint'];

/** What makes `outputs` not a list of AdversaryOutput the driver can act on, or undefined. */
function outputsProblem(outputs: unknown, n: number): string | undefined {
  if (!Array.isArray(outputs)) return `${describe(outputs)}, not a list of outputs`;
  for (const [index, output] of outputs.entries()) {
    const problem = outputProblem(output, n);
    if (problem !== undefined) return `a bad output at index ${index}: ${problem}`;
  }
  return undefined;
}

function outputProblem(output: unknown, n: number): string | undefined {
  if (typeof output !== 'object' || output === null) return `${describe(output)}, not an output object`;
  const record = output as Record<string, unknown>;
  if (!OUTPUT_KINDS.includes(record['kind'] as string)) return `kind must be one of ${OUTPUT_KINDS.join(', ')}, got ${JSON.stringify(record['kind'])}`;
  if (record['kind'] === 'drop') return typeof record['reason'] === 'string' ? undefined : 'a drop needs a reason';
  if (record['kind'] === 'event') return typeof record['event'] === 'object' && record['event'] !== null ? undefined : 'an event output needs an event object';
  // The replica inside writes its disk (core/durability.ts); an adversary passes that on or not.
  if (record['kind'] === 'persist') return record['record'] instanceof Uint8Array ? undefined : 'a persist needs record, a Uint8Array';
  if (record['kind'] === 'checkpoint') return record['bytes'] instanceof Uint8Array && typeof record['truncate'] === 'boolean' ? undefined : 'a checkpoint needs bytes and truncate';
  const signed = record['signed'] as { frame?: unknown } | undefined;
  if (typeof signed !== 'object' || signed === null || !(signed.frame instanceof Uint8Array)) return `a ${String(record['kind'])} needs signed, a Signed message (use api.sign)`;
  const delayMs = record['delayMs'];
  if (delayMs !== undefined && !(typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0)) return `delayMs must be a number ≥ 0, got ${describe(delayMs)}`;
  if (record['kind'] === 'broadcast') return undefined;
  const to = record['to'] as { kind?: unknown; id?: unknown } | undefined;
  const toReplica = to?.kind === 'replica' && Number.isSafeInteger(to.id) && (to.id as number) >= 0 && (to.id as number) < n;
  const toClient = to?.kind === 'client' && Number.isSafeInteger(to.id) && (to.id as number) >= 0;
  return toReplica || toClient ? undefined : `a send needs to: {kind: 'replica', id: 0..${n - 1}} or {kind: 'client', id}, got ${describe(to)}`;
}
