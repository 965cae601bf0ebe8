/**
 * docs/reference.md against the built packages, so that it cannot fall behind them: every
 * export of every entry point is named on the page (a function or constant in a heading),
 * and every option of every exported options type has a row in that type's table. The
 * exports and options are read from the published `.d.ts` files with the TypeScript
 * compiler, the way a user's editor sees them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const page = readFileSync(join(root, 'docs', 'reference.md'), 'utf8');

const ENTRIES = {
  '@tracebridge/core': 'packages/core/dist/index.d.ts',
  '@tracebridge/core/winston': 'packages/core/dist/winston.d.ts',
  '@tracebridge/core/pino': 'packages/core/dist/pino.d.ts',
  '@tracebridge/express': 'packages/express/dist/index.d.ts',
  '@tracebridge/koa': 'packages/koa/dist/index.d.ts',
  '@tracebridge/fastify': 'packages/fastify/dist/index.d.ts',
  '@tracebridge/core/doctor': 'packages/core/dist/doctor.d.ts',
  '@tracebridge/eslint-plugin': 'packages/eslint-plugin/dist/index.d.ts',
};

/** Options types documented in another type's table: the same options under another name. */
const SAME_OPTIONS: Record<string, string> = {
  TraceFormatOptions: 'TraceFieldsOptions',
  ExpressTracingOptions: 'TracingOptions',
  KoaTracingOptions: 'TracingOptions',
  FastifyTracingOptions: 'TracingOptions',
};

interface Export {
  name: string;
  isValue: boolean;
  /** Options declared by our packages (not inherited from winston, say), for an options type. */
  options: string[] | undefined;
}

function exportsOf(): Map<string, Export[]> {
  const files = Object.values(ENTRIES).map((file) => join(root, file));
  const program = ts.createProgram(files, {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const ours = (decl: ts.Declaration) => decl.getSourceFile().fileName.includes('/packages/');
  const result = new Map<string, Export[]>();
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const source = program.getSourceFile(join(root, file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`no module symbol for ${file}`);
    result.set(
      entry,
      checker.getExportsOfModule(moduleSymbol).map((symbol) => {
        const target =
          symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
        const name = symbol.getName();
        let options: string[] | undefined;
        if (!isValue && /(Options|Settings)$/.test(name)) {
          const type = checker.getDeclaredTypeOfSymbol(target);
          options = checker
            .getPropertiesOfType(type)
            .filter((property) => (property.declarations ?? []).some(ours))
            .map((property) => property.getName());
        }
        return { name, isValue, options };
      }),
    );
  }
  return result;
}

const entries = exportsOf();

/** The names in backticks on the page's heading lines: `name(…)` or `NAME`. */
const headingNames = new Set(
  page
    .split('\n')
    .filter((line) => line.startsWith('#'))
    .flatMap((line) => [...line.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1] as string))
    .concat(
      page
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .flatMap((line) =>
          [...line.matchAll(/,\s*([A-Za-z_$][\w$]*)/g)].map((m) => m[1] as string),
        ),
    ),
);

/** The option names in the table under the heading `name` (up to the next heading). */
function tableRows(name: string): string[] | undefined {
  const lines = page.split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '') === name);
  if (start === -1) return undefined;
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#+ /.test(line)) break;
    const row = /^\| `(\w+)` \|/.exec(line);
    if (row) rows.push(row[1] as string);
  }
  return rows;
}

describe('docs/reference.md', () => {
  it('found the exports (the packages are built)', () => {
    expect(entries.get('@tracebridge/core')?.length).toBeGreaterThan(40);
  });

  describe.each([...entries])('%s', (_entry, exported) => {
    it('names every function and constant in a heading', () => {
      const missing = exported.filter((e) => e.isValue && !headingNames.has(e.name));
      expect(missing.map((e) => e.name)).toEqual([]);
    });

    it('names every type', () => {
      const missing = exported.filter((e) => !e.isValue && !page.includes(e.name));
      expect(missing.map((e) => e.name)).toEqual([]);
    });

    it("has a row for every option of every options type, in that type's table", () => {
      const problems: string[] = [];
      for (const { name, options } of exported) {
        if (options === undefined) continue;
        const section = SAME_OPTIONS[name] ?? name;
        const rows = tableRows(section);
        if (rows === undefined) {
          problems.push(`${name}: no heading "${section}"`);
          continue;
        }
        for (const option of options) {
          if (!rows.includes(option)) problems.push(`${name}.${option}: no row under ${section}`);
        }
        for (const row of rows) {
          if (!options.includes(row)) problems.push(`${section}: a row for ${row}, no such option`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
