/**
 * The public types, as users compile against them: each folder of test/types is a small
 * TypeScript project (strict, skipLibCheck off) against the built packages — the README's
 * quick starts, a registered logger type, classic `node10` resolution. A type error in one
 * fails its test, with tsc's output.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(join(import.meta.dirname, '..', 'package.json')).resolve(
  'typescript/bin/tsc',
);

function compile(project: string): string {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(import.meta.dirname, 'types', project)], {
      encoding: 'utf8',
    });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('the public types', () => {
  it.each([
    ['express-strict', "the README's Express quick start under strict; typed options"],
    ['koa-strict', "the README's Koa quick start under strict, ctx.log typed"],
    ['fastify-strict', 'the Fastify plugin and the pino entry under strict, options typed'],
    ['register', 'a registered logger type types req.log and ctx.log'],
    ['node10', 'module: commonjs with node10 resolution finds every entry'],
  ])(
    '%s: %s',
    (project) => {
      expect(compile(project)).toBe('');
    },
    60_000,
  );
});
