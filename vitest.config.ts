import { defineConfig } from 'vitest/config';

const shared = {
  // Timeouts catch a hang; they are not speed limits. The busy 2-core CI machine runs a test up
  // to several times slower than an idle one, so no test may need to be quick to pass.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  setupFiles: ['test/support/setup.ts'],
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          // `npm test`: everything but the load tests, well under 10 minutes on a busy machine.
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/soak/**'],
          // e2e suites start real processes; two cores here, so keep the pool small.
          maxWorkers: 2,
        },
      },
      {
        test: {
          ...shared,
          // `npm run test:soak` (CI runs it after `npm test`): floods, kill -9 rounds, outages,
          // 100,000 malformed bodies. They need both cores to themselves: one file at a time.
          name: 'soak',
          include: ['test/soak/**/*.test.ts'],
          maxWorkers: 1,
        },
      },
    ],
  },
});
