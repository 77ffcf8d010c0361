import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Seed sweeps are CPU-bound; one worker per core.
    pool: 'threads',
    poolOptions: { threads: { minThreads: 1, maxThreads: 2 } },
    testTimeout: 120_000,
  },
});
