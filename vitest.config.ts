import { defineConfig } from 'vitest/config';

// Under CI (or with TRACEBRIDGE_TEST_REPORT set) a JSON report is written too, so that
// .ci/run can count passed and failed tests per Node.js line.
const report = process.env.TRACEBRIDGE_TEST_REPORT ?? (process.env.CI ? '.vitest-results.json' : undefined);

// Unit tests run against each package's src; test/ runs against the built packages
// (resolved through the workspace links and their `exports` maps).
export default defineConfig({
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    projects: [
      {
        test: {
          name: 'core',
          root: 'packages/core',
          include: ['src/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          root: 'test',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'bench/**'],
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
