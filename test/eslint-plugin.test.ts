/**
 * @tracebridge/eslint-plugin as users load it — the built package, from ESM and CJS — in
 * real ESLint: the examples' flat config lints the examples clean and reports the classic
 * late read; the recommended config works with typescript-eslint's parser.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import tracebridge from '@tracebridge/eslint-plugin';
import { ESLint as ESLint10 } from 'eslint';
import { defineConfig } from 'eslint/config';
import { ESLint as ESLint9 } from 'eslint9';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const RULE = '@tracebridge/no-late-context-read';

const lateRead = `
import { current } from '@tracebridge/core';
export function handler(req, res) {
  res.on('finish', () => console.log('sent', current()?.traceId));
}
`;

const majors = [
  ['ESLint 10', ESLint10],
  ['ESLint 9', ESLint9 as unknown as typeof ESLint10],
] as const;

describe.each(majors)('@tracebridge/eslint-plugin in %s', (_, ESLint) => {
  it('lints the examples clean with their config, and reports a late read there', async () => {
    const eslint = new ESLint({
      cwd: root,
      overrideConfigFile: join(root, 'examples', 'eslint.config.mjs'),
    });
    const results = await eslint.lintFiles(['examples']);
    expect(results.length).toBeGreaterThan(10);
    expect(results.flatMap((r) => r.messages)).toEqual([]);

    const [result] = await eslint.lintText(lateRead, {
      filePath: join(root, 'examples', 'late.mjs'),
    });
    expect(result?.messages).toEqual([
      expect.objectContaining({ ruleId: RULE, line: 4, severity: 2 }),
    ]);
    expect(result?.messages[0]?.suggestions?.[0]?.desc).toBe(
      'Read it before the registration: const ctx = current();',
    );
  });

  it("works with typescript-eslint's recommended config (as docs/guides/lint.md shows)", async () => {
    const eslint = new ESLint({
      cwd: root,
      overrideConfigFile: true,
      overrideConfig: defineConfig(
        tseslint.configs.recommended,
        tracebridge.configs.recommended,
      ) as never,
    });
    const code = lateRead.replace('(req, res)', '(req: Request, res: Response): void');
    const [result] = await eslint.lintText(code, { filePath: join(root, 'late.ts') });
    expect(result?.messages.map((m) => m.ruleId)).toEqual([RULE]);
  });

  it('is the plugin itself under require(), with the package version', () => {
    const require = createRequire(import.meta.url);
    const fromCjs = require('@tracebridge/eslint-plugin');
    // The CJS build is a copy of its own: the same plugin, not the same object.
    expect(Object.keys(fromCjs.rules)).toEqual(['no-late-context-read']);
    expect(fromCjs.meta).toEqual(tracebridge.meta);
    expect(fromCjs.configs.recommended.rules).toEqual(tracebridge.configs.recommended.rules);
    const manifest = JSON.parse(
      readFileSync(join(root, 'packages', 'eslint-plugin', 'package.json'), 'utf8'),
    );
    expect(tracebridge.meta).toEqual({ name: manifest.name, version: manifest.version });
  });
});
