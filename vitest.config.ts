import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './test/support/slowest-first.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Seed sweeps are CPU-bound; one worker per core.
    pool: 'threads',
    poolOptions: { threads: { minThreads: 1, maxThreads: 2 } },
    testTimeout: 300_000,
    sequence: { sequencer: SlowestFirst },
    // The JSON report lets .ci/run print the closing "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
