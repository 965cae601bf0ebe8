import { defineConfig } from 'tsup';
import { base } from '../../tsup.base.js';

export default defineConfig({
  ...base,
  entry: { index: 'src/index.ts' },
  external: ['eslint'],
  // require('@tracebridge/eslint-plugin') is the plugin itself, as ESLint's docs show for
  // CommonJS configs.
});
