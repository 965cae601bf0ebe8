import type { Options } from 'tsup';

/** What every package builds: ESM + CJS + .d.ts/.d.cts for Node 20, source maps. */
export const base: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  treeshake: true,
};
