import type { Options } from 'tsup';

/**
 * What every package builds: ESM + CJS + .d.ts/.d.cts for Node 20. No source maps: the
 * output is unminified JavaScript that reads like the source, and a map without the sources
 * it points to (which the packages do not ship) would only add weight.
 */
export const base: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  treeshake: true,
};
