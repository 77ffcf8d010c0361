// `pancydb sim --evidence FILE`: the evidence of equivocation one seed's correct replicas
// kept (src/core/evidence.ts), written as an evidence file (src/check/evidence-file.ts)
// that `pancydb verify-evidence FILE --sim-seed SEED` checks. One seed only: every seed
// derives keys of its own (src/crypto/keys.ts), so the file names its seed and scenario.
import { writeFile } from 'node:fs/promises';
import { evidenceFileText, type EvidenceSource } from '../check/evidence-file.ts';
import type { SeedReport } from '../sim/run.ts';
import type { LoadedSimCommand, Output } from './sim-seed.ts';
import { UsageError } from './usage-error.ts';

/** Checked once the scenario is loaded, before any seed runs. */
export function checkEvidenceExport(command: LoadedSimCommand): void {
  if (command.evidenceTo !== undefined && command.seeds !== 1) {
    throw new UsageError(`--evidence ${command.evidenceTo} needs one seed (-S SEED -R 1), got ${command.seeds}: each seed has keys of its own`);
  }
}

export async function writeEvidenceFile(command: LoadedSimCommand, report: SeedReport, path: string, output: Output): Promise<void> {
  const source: EvidenceSource = { kind: 'sim', seed: report.seed, ...(command.scenarioPath === undefined ? {} : { scenario: command.scenarioPath }), n: report.n };
  await writeFile(path, evidenceFileText(source, report.evidence));
  const scenario = command.scenarioPath === undefined ? '' : ` --scenario ${command.scenarioPath}`;
  const check = report.evidence.length === 0 ? '' : `; check it with: npx pancydb verify-evidence ${path} --sim-seed ${report.seed}${scenario}`;
  output.out(`evidence: ${report.evidence.length} item${report.evidence.length === 1 ? '' : 's'} written to ${path}${check}`);
}
