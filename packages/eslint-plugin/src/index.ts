import type { ESLint, Linter } from 'eslint';
import { noLateContextRead } from './rules/no-late-context-read.js';

/** The plugin: its rule, and a flat config that turns it on. */
export interface TracebridgePlugin extends ESLint.Plugin {
  readonly meta: { readonly name: string; readonly version: string };
  readonly rules: { readonly 'no-late-context-read': typeof noLateContextRead };
  readonly configs: { readonly recommended: Linter.Config };
}

const ruleModules = { 'no-late-context-read': noLateContextRead };

/**
 * `@tracebridge/eslint-plugin` for ESLint's flat config (ESLint 9 and 10; with
 * typescript-eslint's parser too).
 *
 * @example
 * // eslint.config.js
 * import tracebridge from '@tracebridge/eslint-plugin';
 * export default [tracebridge.configs.recommended];
 */
const plugin: TracebridgePlugin = {
  // Kept equal to package.json's version by a test.
  meta: { name: '@tracebridge/eslint-plugin', version: '0.2.0' },
  rules: ruleModules,
  configs: {
    recommended: {
      name: '@tracebridge/recommended',
      plugins: { '@tracebridge': { rules: ruleModules } },
      rules: { '@tracebridge/no-late-context-read': 'error' },
    },
  },
};

export type { Options as NoLateContextReadOptions } from './rules/no-late-context-read.js';

export default plugin;
// The same, as named exports: `require('@tracebridge/eslint-plugin')` is then the plugin in
// CommonJS too (its meta, rules and configs), with types that say so.
export const { meta, rules, configs } = plugin;
