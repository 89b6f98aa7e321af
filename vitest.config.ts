import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores here: more workers only queue on the same Postgres.
    maxWorkers: 2,
    // grafast's extra planning checks are worth their cost in tests.
    env: { GRAPHILE_ENV: 'development' },
  },
});
