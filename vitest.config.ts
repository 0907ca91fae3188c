import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start their own Dovecot; two cores, so keep files in few workers.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
