/**
 * Every JavaScript and TypeScript block in the README, the docs and the packages' READMEs is
 * type-checked against the built packages, so that a snippet cannot rot: each block becomes
 * a module of its own and all of them go through one `tsc` (strict, implicit `any` allowed
 * for JavaScript-style snippets). A block that uses names it does not define says so in an
 * HTML comment right above it — `<!-- declare: app logger -->` — and gets them declared with
 * the types below. A block marked `<!-- run: /path -->` is a complete server: it is started
 * (with `PORT=0`, as a user would with their own port), sent `GET /path` by a traced caller
 * on 127.0.0.1, and must answer and write a log line with that caller's trace id. Code for a
 * web page, marked `<!-- browser -->`, is checked against the DOM's types instead of Node's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTraced, startExample, stopExample, TRACE, waitFor } from './support/services.js';

const root = join(import.meta.dirname, '..');
const out = join(import.meta.dirname, '.snippets');

/** The types of the names a fragment may ask for. */
const NAMES: Record<string, string> = {
  app: "import('express').Express",
  koaApp: "import('koa')",
  router: "import('express').Router",
  logger: "import('winston').Logger",
  pinoLogger: "import('pino').Logger",
  lifecycle: "import('@tracebridge/core').RequestLifecycle",
  route:
    "(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, log: import('winston').Logger) => Promise<void>",
  handler:
    "(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void",
  pool: '{ query(sql: string, callback: (error: Error | null, rows: unknown[]) => void): void }',
  sql: 'string',
  url: 'string',
  bus: "import('node:events').EventEmitter",
  queue: '{ push(job: unknown, done: () => void): void }',
  job: 'unknown',
  user: '{ id: string }',
  res: "import('node:http').ServerResponse",
  als: "import('node:async_hooks').AsyncLocalStorage<{ traceId: string }>",
  traceIdOf: "(req: import('node:http').IncomingMessage) => string",
  exerciseTheService: '() => Promise<void>',
};

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  declare: string[];
  /** Code for a web page (`<!-- browser -->`): checked against the DOM, not Node. */
  browser: boolean;
  /** The path to request, for a block marked `<!-- run: /path -->`. */
  run: string | undefined;
}

function markdownFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  for (const pkg of readdirSync(join(root, 'packages')))
    files.push(join('packages', pkg, 'README.md'));
  return files.filter((file) => {
    try {
      readFileSync(join(root, file));
      return true;
    } catch {
      return false;
    }
  });
}

const LANGS = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript']);

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const lang = open[1] as string;
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    if (LANGS.has(lang)) {
      const above = lines[start - 1] ?? '';
      const declare = /^<!-- declare: ([\w ]+) -->$/.exec(above)?.[1]?.split(' ') ?? [];
      blocks.push({
        file,
        line: start + 1,
        lang,
        code: lines.slice(start + 1, end).join('\n'),
        declare,
        browser: above === '<!-- browser -->',
        run: /^<!-- run: (\/\S*) -->$/.exec(above)?.[1],
      });
    }
    i = end;
  }
  return blocks;
}

const blocks = markdownFiles().flatMap(blocksOf);

/** CommonJS (`require()`, no `import`) is checked as JavaScript, where tsc follows `require`. */
function isCommonJs(block: Block): boolean {
  return /\brequire\(/.test(block.code) && !/^\s*import\s/m.test(block.code);
}

function fileName(block: Block): string {
  const ext = isCommonJs(block) ? 'cjs' : 'ts';
  return `${block.file.replace(/[/.]/g, '_')}_L${block.line}.${ext}`;
}

function source(block: Block): string {
  if (isCommonJs(block)) {
    if (block.declare.length > 0)
      throw new Error(`${block.file}:${block.line}: declare in CommonJS`);
    return block.code;
  }
  const unknown = block.declare.filter((name) => NAMES[name] === undefined);
  if (unknown.length > 0) throw new Error(`${block.file}:${block.line}: no type for ${unknown}`);
  const declarations = block.declare.map((name) => `declare const ${name}: ${NAMES[name]};`);
  const isModule = /^\s*(import|export)\s/m.test(block.code);
  return [...declarations, block.code, isModule ? '' : 'export {};'].join('\n');
}

/**
 * Packages whose types augment others' (pino-http declares `req.log` on every Express
 * request): a block importing one is checked in a project of its own, as it would be in a
 * user's app, so that it does not retype the other blocks.
 */
const AUGMENTING = ['pino-http'];

const COMPILER_OPTIONS = {
  strict: true,
  noImplicitAny: false,
  noEmit: true,
  skipLibCheck: true,
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  esModuleInterop: true,
};

/** Runs tsc on a folder of snippets; its errors named by the page and line they come from. */
function typeCheck(dir: string, byFile: Map<string, Block>): string {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  return output.replace(/^(\S+\.c?[jt]s)\((\d+),(\d+)\)/gm, (match, name: string, line: string) => {
    const block = byFile.get(basename(name));
    if (block === undefined) return match;
    const offset = Number(line) - 1 - block.declare.length;
    return `${block.file}:${block.line + 1 + offset}`;
  });
}

describe('code blocks in the README and the docs', () => {
  it('every guide, migration guide and package README has some; the README its quick starts', () => {
    const pages = markdownFiles().filter((f) => /^docs\/(guides|migrating)\/|^packages\//.test(f));
    expect(pages.length).toBeGreaterThanOrEqual(12);
    for (const page of pages) {
      expect(blocks.filter((b) => b.file === page).length, page).toBeGreaterThan(0);
    }
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(5);
  });

  const byFile = new Map<string, Block>();
  const browser = join(out, 'browser');
  const alone: string[] = [];
  beforeAll(() => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(browser, { recursive: true });
    const config = (types: string[], lib: string[]) =>
      JSON.stringify({
        compilerOptions: { ...COMPILER_OPTIONS, types, lib, allowJs: true, checkJs: true },
        include: ['*.ts', '*.cjs'],
      });
    for (const block of blocks) {
      const name = fileName(block);
      byFile.set(name, block);
      let dir = out;
      if (block.browser) dir = browser;
      else if (AUGMENTING.some((pkg) => block.code.includes(`from '${pkg}'`))) {
        dir = join(out, `alone-${name.replace(/\.\w+$/, '')}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'tsconfig.json'), config(['node'], ['ES2022']));
        alone.push(dir);
      }
      writeFileSync(join(dir, name), source(block));
    }
    writeFileSync(join(out, 'tsconfig.json'), config(['node'], ['ES2022']));
    writeFileSync(join(browser, 'tsconfig.json'), config([], ['ES2022', 'DOM']));
  });

  it('all type-check against the built packages (strict)', () => {
    expect(typeCheck(out, byFile)).toBe('');
  }, 120_000);

  it('the ones importing a package that augments shared types type-check, each alone', () => {
    expect(alone.length).toBeGreaterThan(0);
    expect(alone.map((dir) => typeCheck(dir, byFile)).join('')).toBe('');
  }, 120_000);

  it('the browser ones type-check against the DOM', () => {
    expect(typeCheck(browser, byFile)).toBe('');
  }, 120_000);

  it.each(blocks.flatMap((b) => (b.run ? [[`${b.file}:${b.line}`, b.run, b] as const] : [])))(
    "%s serves GET %s and logs the caller's trace id",
    async (_where, path, block) => {
      const file = fileName(block).replace(/\.ts$/, '.mjs');
      if (isCommonJs(block)) throw new Error('a runnable block is an ES module');
      writeFileSync(join(out, file), block.code);
      const running = await startExample([file], {}, out);
      try {
        const reply = await getTraced(running.port, path);
        expect(reply.status).toBeLessThan(500);
        await waitFor(() => running.output().includes(TRACE));
        expect(running.output()).toContain(TRACE);
      } finally {
        await stopExample(running);
      }
    },
    30_000,
  );
});

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** A page's prose (code blocks left out) and the anchors of its headings. */
function readPage(file: string): { prose: string; anchors: Set<string> } {
  const text = readFileSync(join(root, file), 'utf8');
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  const anchors = new Set<string>();
  for (const heading of prose.match(/^#+ .*$/gm) ?? []) {
    const base = slug(heading.replace(/^#+ /, ''));
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return { prose, anchors };
}

describe('links in the README and the docs', () => {
  it.each(markdownFiles())('%s: every relative link and anchor leads somewhere', (file) => {
    const { prose } = readPage(file);
    const broken: string[] = [];
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (target === undefined) continue;
      // The packages' READMEs (shown on npm) link into the repository by absolute URL.
      const inRepo =
        /^https:\/\/github\.com\/tracebridge\/tracebridge\/(?:blob|tree)\/main\/(.*)$/.exec(target);
      if (inRepo === null && /^[a-z]+:/.test(target)) continue;
      const [path, anchor] = (inRepo?.[1] ?? target).split('#') as [string, string | undefined];
      const linked = inRepo !== null ? path : path === '' ? file : join(dirname(file), path);
      try {
        statSync(join(root, linked));
      } catch {
        broken.push(`${target}: no file ${linked}`);
        continue;
      }
      const page = statSync(join(root, linked)).isDirectory() ? join(linked, 'README.md') : linked;
      if (anchor !== undefined && anchor !== 'readme' && !readPage(page).anchors.has(anchor)) {
        broken.push(`${target}: no heading #${anchor} in ${page}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const lines = readme.split('\n');
  const sections = lines.filter((line) => line.startsWith('## ')).map((line) => line.slice(3));

  it('is at most 250 lines', () => {
    expect(lines.length).toBeLessThanOrEqual(250);
  });

  it('goes: the two commands, install, quick starts, your logger, OpenTelemetry, links', () => {
    const order = [
      /^Try it/,
      /^Install/,
      /^Express/,
      /^Koa/,
      /node:http/,
      /existing Winston logger/,
      /^OpenTelemetry in five lines/,
      /^Performance/,
      /^Documentation/,
    ];
    const positions = order.map((pattern) => sections.findIndex((s) => pattern.test(s)));
    expect(
      positions.every((p) => p !== -1),
      sections.join(' | '),
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('has one benchmark table of at most 25 lines, linking to docs/benchmarks.md', () => {
    const start = lines.findIndex((line) => line === '## Performance');
    const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
    const section = lines.slice(start, end);
    const fences = section.filter((line) => line.startsWith('```')).length;
    expect(fences).toBe(2);
    const open = section.findIndex((l) => l.startsWith('```'));
    const close = section.findIndex((l, i) => i > open && l.startsWith('```'));
    const table = section.slice(open + 1, close);
    expect(table.length).toBeLessThanOrEqual(25);
    expect(section.join('\n')).toContain('(docs/benchmarks.md)');
  });

  it('says nothing about engine internals', () => {
    expect(readme).not.toMatch(/\bV8\b|dictionary mode|hidden class|inline cache|%[A-Z]\w+\(/);
  });

  it('gives install lines with every package a user needs, winston included', () => {
    const install = lines.filter((line) => line.startsWith('npm install'));
    expect(install.length).toBeGreaterThanOrEqual(3);
    for (const line of install) {
      expect(line).toContain('@tracebridge/core');
      expect(line).toContain('@opentelemetry/api');
      // Fastify brings its own logger (pino); every other line installs Winston.
      if (!line.includes('@tracebridge/fastify')) expect(line).toContain('winston');
    }
  });
});
