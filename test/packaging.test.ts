/**
 * The built packages as a user gets them: `require()` and `import` of every entry point
 * from a plain Node.js process, and one store shared by the ESM and CJS builds.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 20_000 });
}

const ENTRIES: Record<string, string[]> = {
  '@tracebridge/core': [
    'bind',
    'bindEmitter',
    'capture',
    'createRequestLifecycle',
    'current',
    'extract',
    'run',
    'traceHeaders',
  ],
  '@tracebridge/core/winston': ['bindLogger', 'captureOnWrite', 'createLogger', 'traceFormat'],
  '@tracebridge/core/pino': ['bindLogger', 'createPinoLogger', 'traceMixin'],
  '@tracebridge/express': ['tracing'],
  '@tracebridge/koa': ['tracing'],
  '@tracebridge/fastify': ['tracing'],
};

describe('packaging', () => {
  it.each(Object.entries(ENTRIES))(
    'require(%s) works from a plain CommonJS script',
    (name, names) => {
      const out = node([
        '-e',
        `const m = require(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m)))`,
      ]);
      expect(JSON.parse(out)).toEqual(expect.arrayContaining(names));
    },
  );

  it.each(Object.entries(ENTRIES))('import(%s) works from a plain ES module', (name, names) => {
    const out = node([
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m)))`,
    ]);
    expect(JSON.parse(out)).toEqual(expect.arrayContaining(names));
  });

  it('importing @tracebridge/core (or its winston entry) never loads winston by itself', () => {
    const probe = `console.log(Object.keys(require('node:module')._cache).filter((k) => /[\\/]winston[\\/]/.test(k)).length)`;
    expect(node(['-e', `require('@tracebridge/core'); ${probe}`]).trim()).toBe('0');
    expect(
      node([
        '--input-type=module',
        '-e',
        `await import('@tracebridge/core'); const require = (await import('node:module')).createRequire(import.meta.url); ${probe}`,
      ]).trim(),
    ).toBe('0');
    // The winston entry loads winston only when createLogger() is called.
    expect(node(['-e', `require('@tracebridge/core/winston'); ${probe}`]).trim()).toBe('0');
    expect(
      node(['-e', `require('@tracebridge/core/winston').createLogger(); ${probe}`]).trim(),
    ).not.toBe('0');
    expect(
      node([
        '--input-type=module',
        '-e',
        `const w = await import('@tracebridge/core/winston'); w.createLogger(); const require = (await import('node:module')).createRequire(import.meta.url); ${probe}`,
      ]).trim(),
    ).not.toBe('0');
  });

  it('importing the pino entry never loads pino; createPinoLogger() does', () => {
    const probe = `console.log(Object.keys(require('node:module')._cache).filter((k) => /[\\/]pino[\\/]/.test(k)).length)`;
    expect(node(['-e', `require('@tracebridge/core/pino'); ${probe}`]).trim()).toBe('0');
    expect(
      node([
        '-e',
        `require('@tracebridge/core/pino').createPinoLogger({ enabled: false }); ${probe}`,
      ]).trim(),
    ).not.toBe('0');
  });

  it('the winston entry shares the store with the main entry, in both builds', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const require = createRequire(process.cwd() + '/');
      const results = [];
      for (const load of [(m) => require(m), (m) => import(m)]) {
        const core = await load('@tracebridge/core');
        const { createLogger } = await load('@tracebridge/core/winston');
        const Transport = require('winston-transport');
        const seen = [];
        const t = new Transport();
        t.log = (info, cb) => { seen.push(info.trace_id); cb(); };
        const logger = createLogger({ transports: [t] });
        const ctx = core.newTraceContext();
        core.run(ctx, () => logger.info('x'));
        results.push(seen[0] === ctx.traceId);
      }
      console.log(JSON.stringify(results));
    `;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual([true, true]);
  });

  it('the ESM and CJS builds share one store: run in one, read in the other', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const require = createRequire(process.cwd() + '/');
      const cjs = require('@tracebridge/core');
      const esm = await import('@tracebridge/core');
      if (cjs.run === esm.run) throw new Error('expected two copies of the module');
      const a = cjs.newTraceContext();
      const b = esm.newTraceContext();
      const seen = [
        cjs.run(a, () => esm.current() === a),
        esm.run(b, () => cjs.current() === b),
        esm.run(b, () => cjs.bind(() => esm.current())) () === b,
      ];
      console.log(JSON.stringify(seen));
    `;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual([true, true, true]);
  });

  it('an emitter bound by one build and re-bound by the other follows the latest bind', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const { EventEmitter } = await import('node:events');
      const require = createRequire(process.cwd() + '/');
      const cjs = require('@tracebridge/core');
      const esm = await import('@tracebridge/core');
      const a = cjs.newTraceContext();
      const b = esm.newTraceContext();
      const e = new EventEmitter();
      cjs.bindEmitter(e, a);
      const seen = [];
      e.on('x', () => seen.push(esm.current() === a));
      esm.bindEmitter(e, b);
      e.on('x', () => seen.push(cjs.current() === b));
      e.emit('x');
      console.log(JSON.stringify(seen));
    `;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual([true, true]);
  });

  it.each(['core', 'express', 'koa', 'fastify'])(
    'packages/%s ships ESM, CJS and types through its exports map',
    (dir) => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
      const dot = pkg.exports['.'];
      if (dir === 'core') {
        expect(pkg.exports['./winston'].import.types).toBe('./dist/winston.d.ts');
        expect(pkg.exports['./winston'].require.default).toBe('./dist/winston.cjs');
        expect(pkg.peerDependenciesMeta.winston.optional).toBe(true);
      }
      expect(dot.import.types).toMatch(/\.d\.ts$/);
      expect(dot.require.types).toMatch(/\.d\.cts$/);
      expect(pkg.peerDependencies['@opentelemetry/api']).toMatch(/^\^1\./);
      expect(pkg.files).toEqual(['dist', 'CHANGELOG.md']);
      const built = readdirSync(join(root, 'packages', dir, 'dist'));
      expect(built).toEqual(
        expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']),
      );
    },
  );
});

describe('declaration files', () => {
  /** Every module a declaration file imports, following the package's own files. */
  function importsOf(file: string, seen = new Set<string>()): string[] {
    if (seen.has(file)) return [];
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
      (m) => m[1] as string,
    );
    return specifiers.flatMap((spec) => {
      if (!spec.startsWith('.')) return [spec];
      const next = join(
        file,
        '..',
        spec.replace(/\.c?js$/, file.endsWith('.d.cts') ? '.d.cts' : '.d.ts'),
      );
      return [spec, ...importsOf(next, seen)];
    });
  }

  it.each([
    'core/dist/index.d.ts',
    'core/dist/index.d.cts',
    'express/dist/index.d.ts',
    'express/dist/index.d.cts',
    'koa/dist/index.d.ts',
    'koa/dist/index.d.cts',
    'fastify/dist/index.d.ts',
    'fastify/dist/index.d.cts',
  ])('%s needs no optional peer: a pino user without winston compiles against it', (entry) => {
    const imports = importsOf(join(root, 'packages', entry));
    expect(imports.length).toBeGreaterThan(0);
    const modules = imports.filter((spec) => !spec.startsWith('.'));
    expect(modules.filter((m) => /winston|pino/.test(m))).toEqual([]);
    // What they may import: core, Node's own modules, the OTel API, and each framework's types.
    for (const m of modules) {
      expect(m).toMatch(
        /^(@tracebridge\/core|node:|@opentelemetry\/api$|koa$|fastify$|fastify-plugin$)/,
      );
    }
  });

  it("core's winston entry is the one that imports winston's types, its pino entry pino's", () => {
    const winston = importsOf(join(root, 'packages', 'core', 'dist', 'winston.d.ts'));
    expect(winston).toContain('winston');
    expect(winston).not.toContain('pino');
    const pino = importsOf(join(root, 'packages', 'core', 'dist', 'pino.d.ts'));
    expect(pino).toContain('pino');
    expect(pino).not.toContain('winston');
  });
});

describe('invariants', () => {
  it('no enterWith anywhere in packages/*/src', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (
          /\.[cm]?[jt]s$/.test(entry.name) &&
          readFileSync(path, 'utf8').includes('enterWith')
        ) {
          offenders.push(path);
        }
      }
    };
    for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'src'));
    expect(offenders).toEqual([]);
  });
});
