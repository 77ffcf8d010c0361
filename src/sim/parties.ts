// The parties of a simulated run besides the correct replicas and clients: the faulty
// replicas' adversaries, the Byzantine clients, and what the validity checker accepts as a
// request its client made. cluster.ts wires them into the run.
import { requestMacValid, sessionKeysOf, type AuthMode } from '../core/auth.ts';
import type { ReplicaConfig } from '../core/config.ts';
import type { Execution } from '../core/replica.ts';
import type { Crypto, KeyPair } from '../crypto/crypto.ts';
import { deriveSecretKey } from '../crypto/keys.ts';
import { HostedAdversary, type FaultySpec } from '../adversary/host.ts';
import { ByzantineClients } from './byzantine-clients.ts';
import type { SimulationOptions } from './cluster.ts';
import type { RunRecorder } from './recorder.ts';
import type { Rng } from './rng.ts';
import { formatTime } from './trace.ts';

/** Byzantine clients get keys derived like the correct clients', with the ids after theirs. */
export function createByzantineClients(options: SimulationOptions, crypto: Crypto, replicaKeys: readonly Uint8Array[], rng: Rng): ByzantineClients | undefined {
  if (options.byzantineClients === undefined) return undefined;
  return new ByzantineClients({
    options: options.byzantineClients,
    firstId: options.workload.clients,
    n: options.n,
    crypto,
    auth: options.auth ?? 'signed',
    readOnly: options.optimizations?.includes('read-only') === true,
    replicaKeys,
    keyPair: (id) => crypto.keyPair(deriveSecretKey(options.seed, 'client', id)),
    // A stream of its own: runs without Byzantine clients draw exactly as before.
    rng: rng.fork('byzantine-clients'),
    stopAtMs: options.workloadDurationMs ?? options.durationMs,
  });
}

/** Builds the adversary of each faulty replica, again on restart, with one shared collusion context per run. */
export class AdversaryFactory {
  private readonly shared = new Map<string, unknown>();

  constructor(
    private readonly specs: ReadonlyMap<number, FaultySpec>,
    private readonly faulty: readonly number[],
    private readonly rng: Rng,
    private readonly trace: ((line: string) => void) | undefined,
    private readonly recorder: RunRecorder | undefined,
  ) {}

  isFaulty(id: number): boolean {
    return this.specs.has(id);
  }

  create(config: ReplicaConfig, recoveryNonce: Uint8Array | undefined): HostedAdversary | undefined {
    const restarted = recoveryNonce !== undefined;
    const spec = this.specs.get(config.id);
    if (spec === undefined) return undefined;
    let adversary: HostedAdversary | undefined;
    const note = (line: string) => {
      this.trace?.(`${formatTime(adversary?.nowMs ?? 0)} ${config.id} ADVERSARY ${spec.definition.name}: ${line}`);
      this.recorder?.adversaryNote(config.id, adversary?.nowMs ?? 0, spec.definition.name, line);
    };
    adversary = new HostedAdversary(spec, { config, faulty: this.faulty, shared: this.shared, rng: this.rng.fork(`${config.id}/${restarted ? 'restarted' : 'first'}`), note, ...(recoveryNonce === undefined ? {} : { recoveryNonce }) });
    return adversary;
  }
}

/**
 * Validity: the client made the request. Its signature proves it; in 'mac' mode so does a
 * right MAC for a correct replica, since only that replica and the client hold the key
 * (auth.ts): a faulty primary and a faulty client can get such a request executed.
 */
export function requestValidity(parties: {
  readonly auth: AuthMode;
  readonly crypto: Crypto;
  readonly replicaKeyPairs: readonly KeyPair[];
  readonly replicaKeys: readonly Uint8Array[];
  readonly clientKey: (client: number) => Uint8Array | undefined;
  readonly correct: readonly number[];
}): (execution: Execution) => boolean {
  const { auth, crypto, replicaKeyPairs, replicaKeys, clientKey, correct } = parties;
  const correctKeys = auth === 'mac' ? correct.map((id) => ({ id, keys: sessionKeysOf({ kind: 'replica', id }, { crypto, keyPair: replicaKeyPairs[id]!, replicaKeys, clientKey }) })) : [];
  return ({ request }) => {
    const key = clientKey(request.message.client);
    if (key !== undefined && crypto.verify(key, request.signedBytes, request.signature)) return true;
    return correctKeys.some(({ id, keys }) => requestMacValid(keys, id, request));
  };
}
