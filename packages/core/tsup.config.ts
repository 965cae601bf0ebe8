import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', winston: 'src/winston/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // One shared chunk for what both entries use, in both formats (no second copy of core
  // inside the winston entry).
  splitting: true,
  external: ['winston', '@opentelemetry/api'],
  treeshake: true,
});
