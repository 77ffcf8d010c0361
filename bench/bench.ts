// `npm run bench`: throughput of the simulated cluster, reported as rates and ratios
// with the core count (these machines are shared and noisy: compare ratios, not ms).
//   1. The full lockseq workload (n=4, no faults, 100 simulated seconds): committed client
//      operations per wall second, wall seconds per seed, and the share of wall time
//      spent inside the crypto backend, with signatures and verifications per operation.
//   2. Seeds per minute of the ci profile, the unit of the test sweeps.
//   3. The crypto ceiling: what signatures and verifications alone would allow.
// Options: --seeds N (ci seeds, default 10), --duration S (full run length, default 100).
import os from 'node:os';
import { createCrypto, deriveSecretKey, FASTEST_BACKEND } from '../src/crypto/index.ts';
import { DEFAULT_NETWORK } from '../src/sim/network.ts';
import { lockseqWorkloadOf, PROFILES } from '../src/sim/profiles.ts';
import { runSeed } from '../src/sim/run.ts';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

function fullWorkload(durationS: number) {
  const startMs = performance.now();
  const { report, context } = runSeed({
    seed: 1, n: 4, durationMs: durationS * 1000, measureCrypto: true,
    workload: lockseqWorkloadOf('full'), network: DEFAULT_NETWORK,
  });
  const wallMs = performance.now() - startMs;
  if (report.violations.length > 0) throw new Error(`violations: ${JSON.stringify(report.violations)}`);
  const timing = context.cryptoTiming!;
  const ops = report.committed;
  console.log(`full lockseq, n=4, no faults, ${durationS} s simulated:`);
  console.log(`  ${ops} operations committed in ${report.executedSeq} batches (${(ops / report.executedSeq).toFixed(1)} per batch)`);
  console.log(`  ${(ops / (wallMs / 1000)).toFixed(0)} committed operations per wall second; ${(wallMs / 1000).toFixed(1)} wall s per seed; ${(60_000 / wallMs).toFixed(2)} seeds per minute`);
  console.log(`  crypto: ${((100 * timing.elapsedMs()) / wallMs).toFixed(0)}% of wall time; per operation ${(timing.counts.sign / ops).toFixed(2)} signatures, ${(timing.counts.verify / ops).toFixed(2)} verifications (after the memo)`);
  console.log(`  latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms (simulated)`);
  return { signsPerOp: timing.counts.sign / ops, verifiesPerOp: timing.counts.verify / ops };
}

function ciSeeds(seeds: number): void {
  const startMs = performance.now();
  let ops = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { report } = runSeed({ seed, n: 4, durationMs: PROFILES.ci.durationS * 1000, workload: lockseqWorkloadOf('ci'), network: DEFAULT_NETWORK });
    ops += report.committed;
  }
  const wallMs = performance.now() - startMs;
  console.log(`ci profile, ${seeds} seeds on one core: ${(wallMs / 1000 / seeds).toFixed(2)} wall s per seed, ${((60_000 * seeds) / wallMs).toFixed(0)} seeds per minute, ${(ops / (wallMs / 1000)).toFixed(0)} operations per wall second`);
}

function cryptoCeiling(perOp: { signsPerOp: number; verifiesPerOp: number }): void {
  const crypto = createCrypto(FASTEST_BACKEND);
  const keyPair = crypto.keyPair(deriveSecretKey('bench', 'replica', 0));
  const message = new Uint8Array(160).map((_, index) => index);
  const signature = crypto.sign(keyPair, message);
  const rate = (work: () => void) => {
    for (let warm = 0; warm < 200; warm++) work();
    const startMs = performance.now();
    let calls = 0;
    while (performance.now() - startMs < 1000) { work(); calls++; }
    return calls / ((performance.now() - startMs) / 1000);
  };
  const signs = rate(() => crypto.sign(keyPair, message));
  const verifies = rate(() => crypto.verify(keyPair.publicKey, message, signature));
  const ceiling = 1 / (perOp.signsPerOp / signs + perOp.verifiesPerOp / verifies);
  console.log(`${crypto.name} Ed25519: ${signs.toFixed(0)} signatures/s, ${verifies.toFixed(0)} verifications/s; at the full run's per-operation counts crypto alone caps one core at ${ceiling.toFixed(0)} operations/s`);
}

console.log(`pancydb-bft bench: node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), one simulation thread`);
const perOp = fullWorkload(flag('--duration', 100));
ciSeeds(flag('--seeds', 10));
cryptoCeiling(perOp);
