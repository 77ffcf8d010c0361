// What every simulated run's evidence of equivocation (src/core/evidence.ts) must satisfy,
// for the sweeps: it names only faulty replicas, it is held only by correct ones, and each
// item passes the offline check (src/check/evidence-verify.ts) with the seed's keys.
import { fromHexFrame } from '../../src/check/evidence-file.ts';
import { verifyEvidence } from '../../src/check/evidence-verify.ts';
import { createCrypto, deriveSecretKey } from '../../src/crypto/index.ts';
import type { SeedReport } from '../../src/sim/run.ts';

const crypto = createCrypto('native');

/** One line per broken rule, naming the seed; [] when all is well. */
export function evidenceProblems(report: SeedReport): string[] {
  const problems: string[] = [];
  const keys = new Map<number, Uint8Array>();
  const keyOf = (id: number) => {
    if (id < 0 || id >= report.n) return undefined;
    if (!keys.has(id)) keys.set(id, crypto.keyPair(deriveSecretKey(report.seed, 'replica', id)).publicKey);
    return keys.get(id);
  };
  for (const item of report.evidence) {
    const where = `seed ${report.seed}: evidence held by ${item.holder} against ${item.culprit} (${item.kind} v=${item.view ?? '-'} n=${item.seq ?? '-'})`;
    if (!report.faulty.includes(item.culprit)) problems.push(`${where} names a correct replica`);
    if (report.faulty.includes(item.holder)) problems.push(`${where} is held by a faulty replica`);
    const verdict = verifyEvidence([fromHexFrame(item.frames[0]), fromHexFrame(item.frames[1])], { keyOf, description: `seed ${report.seed}` }, crypto);
    if ('problem' in verdict) problems.push(`${where} fails the offline check: ${verdict.problem}`);
    else if (verdict.culprit !== item.culprit || verdict.kind !== item.kind || verdict.view !== item.view || verdict.seq !== item.seq) problems.push(`${where} convicts ${verdict.culprit} of ${verdict.kind} offline`);
  }
  return problems;
}
