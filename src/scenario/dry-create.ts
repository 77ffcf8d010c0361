// A scenario's adversaries are created once at load time, outside any run, so an
// adversary whose create() throws (or returns no step method) is reported as a usage
// error naming the file and field before any seed runs, not as a stack trace from inside
// the first seed. The dry instance sees the keys and parameters of a run with seed 0 and
// is then thrown away; a create() that fails only for some seeds is still caught in the
// run itself (src/adversary/host.ts, AdversaryFault).
import { HostedAdversary, type FaultySpec } from '../adversary/host.ts';
import { DEFAULT_PARAMETERS, type ProtocolParameters, type ReplicaConfig } from '../core/config.ts';
import { createCrypto, deriveSecretKey } from '../crypto/index.ts';
import { createRng } from '../sim/rng.ts';

const DRY_SEED = 0;

/** Throws the AdversaryFault that create() of `spec` at replica `id` raises, if any. */
export function dryCreate(spec: FaultySpec, id: number, faulty: readonly number[], n: number, parameters: Partial<Omit<ProtocolParameters, 'n'>>): void {
  const crypto = createCrypto('native');
  const keyPairs = Array.from({ length: n }, (_, replica) => crypto.keyPair(deriveSecretKey(DRY_SEED, 'replica', replica)));
  const config: ReplicaConfig = {
    ...DEFAULT_PARAMETERS,
    ...parameters,
    n,
    id,
    keyPair: keyPairs[id]!,
    crypto,
    replicaKeys: keyPairs.map((keyPair) => keyPair.publicKey),
    clientKey: () => undefined,
  };
  new HostedAdversary(spec, { config, faulty, shared: new Map(), rng: createRng(`${DRY_SEED}/dry-create/${id}`), note: () => {} });
}
