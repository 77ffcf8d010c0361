import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './test/support/slowest-first.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Seed sweeps are CPU-bound; one worker per core.
    pool: 'threads',
    poolOptions: { threads: { minThreads: 1, maxThreads: 2 }, forks: { minForks: 1, maxForks: 2 } },
    // The tests on real processes run in child processes: a crash-test file could leave its
    // worker thread busy after its last test ("Failed to terminate worker"), and vitest then
    // never exited; a child process is always ended at teardown. (Everything in forks made
    // the long synchronous sweeps miss vitest's RPC deadline instead.)
    poolMatchGlobs: [['**/test/deploy/**', 'forks']],
    testTimeout: 300_000,
    // A beforeEach that starts four replica processes waits on their ready lines with its
    // own deadlines (which name what they wait for); vitest's default 10 s hook limit cut
    // that short on a loaded machine before those deadlines could say anything.
    hookTimeout: 120_000,
    sequence: { sequencer: SlowestFirst },
    // The JSON report lets .ci/run print the closing "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
