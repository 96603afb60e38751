import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // CLI tests spawn real processes; two cores, so keep the pool small and the timeout generous.
    pool: 'forks',
    // Bundles dist/ once before any file runs, so CLI tests never race on rebuilding it.
    globalSetup: ['test/support/build-once.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
