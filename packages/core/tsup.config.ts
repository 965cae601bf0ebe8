import { defineConfig } from 'tsup';
import { base } from '../../tsup.base.js';

export default defineConfig({
  ...base,
  entry: { index: 'src/index.ts', winston: 'src/winston/index.ts' },
  // One shared chunk for what both entries use, in both formats: no second copy of core
  // inside the winston entry.
  splitting: true,
  // import.meta.url in the CJS build (createLogger loads winston lazily through it).
  shims: true,
  external: ['winston', '@opentelemetry/api'],
});
