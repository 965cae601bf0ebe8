// The examples linted with @tracebridge/eslint-plugin (`pnpm lint:examples`): a read of the
// request's context inside a listener or timer that fires later is reported before it runs.
import tracebridge from '@tracebridge/eslint-plugin';

export default [
  { ignores: ['**/node_modules/**'] },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  tracebridge.configs.recommended,
];
