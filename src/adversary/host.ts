// Hosts an adversary at one replica: builds its AdversaryApi (own key only) and exposes
// it to the driver as a ReplicaNode. The driver never sees the difference between an
// honest replica and a hosted adversary except that a faulty replica's events are not
// fed to the checkers (a Byzantine replica's own account of what it did is worthless).
import { encodeBatch, decodeMessage, encodeSigned } from '../core/encoding.ts';
import type { ReplicaConfig } from '../core/config.ts';
import type { Message, PrePrepare, Signed, SignedRequest } from '../core/messages.ts';
import { primaryOf, quorumsFor } from '../core/quorum.ts';
import { Replica, type ReplicaInput } from '../core/replica.ts';
import type { Rng } from '../sim/rng.ts';
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
  /** Set when the replica comes back from a crash: a new incarnation with no memory. */
  readonly restarted?: boolean;
}

export class HostedAdversary {
  readonly replica: Replica;
  private readonly instance: AdversaryInstance;
  /** The time of the input being handled. */
  nowMs = 0;

  constructor(spec: FaultySpec, context: HostContext) {
    const { config } = context;
    this.replica = new Replica(config, context.restarted === true ? { restarted: true } : {});
    const host = this;
    const sign = <M extends Message>(message: M): Signed<M> => encodeSigned(message, (bytes) => config.crypto.sign(config.keyPair, bytes));
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
      step: (input: ReplicaInput) => this.replica.step(input),
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
      sha256: (data) => config.crypto.sha256(data),
      primaryOf: (view) => primaryOf(view, config.n),
      spawnTwin: () => new Replica(config),
      note: context.note,
      get nowMs() {
        return host.nowMs;
      },
    };
    this.instance = spec.definition.create(api, readOptions(spec.definition.options, spec.options));
  }

  step(input: ReplicaInput): readonly AdversaryOutput[] {
    this.nowMs = input.nowMs;
    return this.instance.step(input);
  }
}
