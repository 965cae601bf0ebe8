import { defineConfig } from 'vitest/config';

// Unit tests run against each package's src; test/ runs against the built packages
// (resolved through the workspace links and their `exports` maps).
export default defineConfig({
  test: {
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
