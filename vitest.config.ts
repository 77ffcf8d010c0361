import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './test/support/slowest-first.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Seed sweeps are CPU-bound; one worker per core. Child processes, not threads: a test
    // file of the crash tests on real processes could leave its worker thread busy after
    // its last test ("Failed to terminate worker"), which kept vitest from exiting; a child
    // process is always ended at teardown.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    testTimeout: 300_000,
    sequence: { sequencer: SlowestFirst },
    // The JSON report lets .ci/run print the closing "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
