// `pancydb verify-evidence FILE (--cluster cluster.json | --sim-seed S [--scenario F])`:
// checks an evidence file offline, with public keys only (src/check/evidence-verify.ts).
// The keys come from the verifier's own choice of cluster, never from the file. Prints
// `culprit: replica R (kind, slot)` per item, or `rejected: <reason>`. Exit status: 0
// every item convicts its culprit, 1 something is rejected, 2 a usage error, 3 a
// well-formed file with no items: a replica that caught no one serves one on GET
// /evidence, which is no fault of the file, and no conviction either.
import { readFileSync } from 'node:fs';
import { describeConviction, verifyEvidence, type EvidenceKeys } from '../check/evidence-verify.ts';
import { fromHexFrame, parseEvidenceFile, type EvidenceFile, type EvidenceFileItem, type EvidenceSource } from '../check/evidence-file.ts';
import { createFastestCrypto, type Crypto } from '../crypto/index.ts';
import { deriveSecretKey } from '../crypto/keys.ts';
import { parseFlags, wholeFlag } from '../deploy/args.ts';
import { loadClusterConfig } from '../deploy/cluster-config.ts';
import { loadScenario } from '../scenario/load.ts';
import { MAX_N } from '../scenario/bounds.ts';
import type { Output } from './sim.ts';
import { UsageError } from './usage-error.ts';

export const VERIFY_EVIDENCE_HELP = `Usage: pancydb verify-evidence FILE (--cluster cluster.json | --sim-seed SEED [--scenario FILE])

Checks evidence of equivocation offline (FILE as \`pancydb sim --evidence\` writes it, or as
a replica process serves it on GET /evidence): for each item, both frames must decode as
one kind of statement (PRE-PREPARE, PREPARE, COMMIT, CHECKPOINT or VIEW-CHANGE) by one
replica for one slot, say different things there, and both signatures must verify with
that replica's public key, which no correct replica allows (OSDI'99 §4.2-4.4). Prints
"culprit: replica R (kind, slot)" per item, or "rejected: <reason>", or "no evidence: …"
for a file without items.
  --cluster FILE     take the replicas' public keys from a deployed cluster's cluster.json
  --sim-seed SEED    take them from a simulated run: the simulator derives every key from
                     the seed (src/crypto/keys.ts), so anyone who knows it can sign too
  --scenario FILE    with --sim-seed: the scenario the run used, for its n (without it any
                     replica id below ${MAX_N} has a key)
Exit status: 0 every item convicts its culprit, 1 something was rejected, 2 usage error,
3 no evidence: FILE is well-formed but holds no items (a replica that caught no one
serves such a file), so there is nothing to convict.`;

/** Exit status for a well-formed file without items: neither a conviction (0) nor a rejection (1). */
export const NO_EVIDENCE_STATUS = 3;

export async function runVerifyEvidenceCommand(args: readonly string[], output: Output): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { cluster: { type: 'string' }, 'sim-seed': { type: 'string' }, scenario: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help === true) {
    output.out(VERIFY_EVIDENCE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`verify-evidence needs one FILE, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  const file = positionals[0]!;
  const keys = await keysFromFlags(values.cluster, values['sim-seed'], values.scenario);
  const text = readEvidenceText(file);
  const parsed = parseEvidenceFile(text);
  if ('problem' in parsed) {
    output.out(`rejected: ${file}: ${parsed.problem}`);
    return 1;
  }
  if (parsed.evidence.length === 0) {
    output.out(`no evidence: ${file} holds no items, so there is nothing to convict`);
    return NO_EVIDENCE_STATUS;
  }
  return judge(parsed, keys, createFastestCrypto(), output);
}

/** One line per item; 1 if any is rejected. */
function judge(file: EvidenceFile, keys: EvidenceKeys, crypto: Crypto, output: Output): number {
  let rejected = 0;
  file.evidence.forEach((item, index) => {
    const prefix = file.evidence.length === 1 ? '' : `item ${index}: `;
    const problem = judgeItem(item, keys, crypto, file.source);
    if (typeof problem === 'string') {
      rejected++;
      output.out(`rejected: ${prefix}${problem}`);
    } else {
      output.out(`${prefix}culprit: replica ${problem.culprit} (${problem.kind}, ${problem.slot})`);
    }
  });
  return rejected === 0 ? 0 : 1;
}

function judgeItem(item: EvidenceFileItem, keys: EvidenceKeys, crypto: Crypto, source: EvidenceSource | undefined): string | { culprit: number; kind: string; slot: string } {
  const verdict = verifyEvidence([fromHexFrame(item.frames[0]), fromHexFrame(item.frames[1])], keys, crypto);
  if ('problem' in verdict) return verdict.problem.includes('signature does not verify') ? `${verdict.problem}${sourceHint(source, keys)}` : verdict.problem;
  // What the item claims must be what its frames say.
  if (item.culprit !== undefined && item.culprit !== verdict.culprit) return `the item names culprit ${item.culprit}, but its frames are signed by replica ${verdict.culprit}`;
  if (item.kind !== undefined && item.kind !== verdict.kind) return `the item says ${item.kind}, but its frames are ${verdict.kind.toUpperCase()}s`;
  if ((item.view !== undefined && item.view !== verdict.view) || (item.seq !== undefined && item.seq !== verdict.seq)) {
    return `the item names ${describeConviction({ view: item.view, seq: item.seq })}, but its frames are for ${describeConviction(verdict)}`;
  }
  return { culprit: verdict.culprit, kind: verdict.kind, slot: describeConviction(verdict) };
}

/** When signatures fail, say where the file claims to come from: the wrong seed or cluster is the likely cause. */
function sourceHint(source: EvidenceSource | undefined, keys: EvidenceKeys): string {
  if (source?.kind === 'sim' && typeof source.seed === 'number') return ` (the file says it comes from seed ${source.seed}; checked against ${keys.description})`;
  if (source?.kind === 'cluster' && typeof source.clusterId === 'string') return ` (the file says it comes from cluster ${source.clusterId})`;
  return '';
}

function readEvidenceText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read the evidence file: ${(error as Error).message}`);
  }
}

async function keysFromFlags(cluster: string | undefined, simSeed: string | undefined, scenario: string | undefined): Promise<EvidenceKeys> {
  if ((cluster === undefined) === (simSeed === undefined)) throw new UsageError('verify-evidence needs --cluster FILE or --sim-seed SEED (one of them): whose public keys to check with');
  if (cluster !== undefined) {
    if (scenario !== undefined) throw new UsageError('--scenario goes with --sim-seed, not --cluster');
    const config = loadClusterConfig(cluster);
    return { keyOf: (id) => config.replicas[id]?.publicKey, description: `cluster ${config.clusterId} (n=${config.parameters.n})` };
  }
  const seed = wholeFlag('--sim-seed', simSeed, 0, Number.MAX_SAFE_INTEGER)!;
  const n = scenario === undefined ? MAX_N : (await loadScenario(scenario)).n;
  const crypto = createFastestCrypto();
  const keys = new Map<number, Uint8Array>();
  return {
    keyOf: (id) => {
      if (!Number.isSafeInteger(id) || id < 0 || id >= n) return undefined;
      if (!keys.has(id)) keys.set(id, crypto.keyPair(deriveSecretKey(seed, 'replica', id)).publicKey);
      return keys.get(id);
    },
    description: scenario === undefined ? `the simulated run of seed ${seed}` : `the simulated run of seed ${seed} (n=${n})`,
  };
}
