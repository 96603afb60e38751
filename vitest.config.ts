import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // CLI tests spawn real processes; two cores, so keep the pool small and the timeout generous.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
