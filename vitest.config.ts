import { join } from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Under CI (or with TRACEBRIDGE_TEST_REPORT set) a JSON report is written too, so that
// .ci/run can count passed and failed tests per Node.js line.
const report =
  process.env.TRACEBRIDGE_TEST_REPORT ?? (process.env.CI ? '.vitest-results.json' : undefined);

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
// OpenTelemetry JS 3.x needs Node >= 22.15.
const otel3 = major > 22 || (major === 22 && minor >= 15);
const otel3Modules = join(import.meta.dirname, 'test', 'otel3', 'node_modules', '@opentelemetry');

const projects: TestProjectInlineConfiguration[] = [
  // Unit tests against each package's src.
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
      name: 'eslint-plugin',
      root: 'packages/eslint-plugin',
      include: ['src/**/*.test.ts'],
    },
  },
  // Cross-package tests against the built packages (workspace links, `exports` maps).
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
];

const otel3Aliases = {
  '@opentelemetry/api': join(otel3Modules, 'api'),
  '@opentelemetry/context-async-hooks': join(otel3Modules, 'context-async-hooks'),
  '@opentelemetry/core': join(otel3Modules, 'core'),
  '@opentelemetry/instrumentation-express': join(otel3Modules, 'instrumentation-express'),
  '@opentelemetry/instrumentation-http': join(otel3Modules, 'instrumentation-http'),
  '@opentelemetry/instrumentation-koa': join(otel3Modules, 'instrumentation-koa'),
  '@opentelemetry/instrumentation-pino': join(otel3Modules, 'instrumentation-pino'),
  '@opentelemetry/instrumentation-winston': join(otel3Modules, 'instrumentation-winston'),
  '@opentelemetry/sdk-logs': join(otel3Modules, 'sdk-logs'),
  '@opentelemetry/sdk-trace-base': join(otel3Modules, 'sdk-trace'),
};

if (otel3) {
  // The same core suites against the OpenTelemetry JS 3.x line.
  projects.push(
    {
      resolve: { alias: otel3Aliases },
      test: {
        name: 'core (OTel SDK 3.x)',
        root: 'packages/core',
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        env: { TRACEBRIDGE_EXPECT_OTEL: '3' },
      },
    },
    // The OpenTelemetry end-to-end suites again; the built packages in test/ are transformed
    // by vitest (workspace links), so their @opentelemetry/api import takes the alias too.
    {
      resolve: { alias: otel3Aliases },
      test: {
        name: 'integration (OTel SDK 3.x)',
        root: 'test',
        include: ['**/*otel*.test.ts'],
        env: { TRACEBRIDGE_EXPECT_OTEL: '3' },
        exclude: ['**/node_modules/**', 'bench/**'],
        testTimeout: 60_000,
        hookTimeout: 30_000,
      },
    },
  );
}

export default defineConfig({
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    projects,
  },
});
