// Vitest runs test files on two threads. Without timings from an earlier run (as in CI's
// fresh clone) it starts the largest files first, but our slowest files (seed sweeps) are
// small. Starting the longest ones first (longest-processing-time scheduling) keeps both
// cores busy to the end. The figures are wall seconds measured on this 2-core machine;
// a stale figure only costs some balance, never a test.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const EXPECTED_SECONDS: readonly (readonly [RegExp, number])[] = [
  [/partitioned-backup/, 78],
  [/scenarios-\d/, 100],
  [/silent-primary/, 63],
  [/two-faulty-primaries/, 61],
  [/ci-sweep/, 38],
  [/linearizability/, 30],
  [/lossy-sweep/, 28],
  [/restart/, 26],
  [/crash-under-loss/, 24],
  [/memory-bound/, 22],
  [/normal-case/, 7],
  [/broken-protocols/, 15],
  [/adversaries\.property/, 10],
  [/test\/adversaries\//, 10],
];

function expectedSeconds(file: TestSpecification): number {
  return EXPECTED_SECONDS.find(([pattern]) => pattern.test(file.moduleId))?.[1] ?? 1;
}

export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => expectedSeconds(b) - expectedSeconds(a) || a.moduleId.localeCompare(b.moduleId));
  }
}
