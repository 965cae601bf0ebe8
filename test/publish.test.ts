/**
 * The packages as they would be published: the metadata an npm page and a security scanner
 * read, the same files whether npm or pnpm packs them, no `workspace:` ranges left in the
 * packed manifest, and peer ranges that start at versions CI installs and tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const PACKAGES = readdirSync(join(root, 'packages'));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpm = ['--yes', rootManifest.packageManager.replace(/^pnpm@/, 'pnpm@')];

interface Manifest {
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  author?: string;
  license?: string;
  homepage?: string;
  repository?: { type?: string; url?: string; directory?: string };
  bugs?: { url?: string };
  engines?: { node?: string };
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
}

function packedFiles(tool: 'npm' | 'pnpm', dir: string): string[] {
  const cwd = join(root, 'packages', dir);
  const output =
    tool === 'npm'
      ? execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd, encoding: 'utf8' })
      : execFileSync('npx', [...pnpm, 'pack', '--dry-run', '--json'], { cwd, encoding: 'utf8' });
  const parsed = JSON.parse(output);
  const files: { path: string }[] = Array.isArray(parsed) ? parsed[0].files : parsed.files;
  return files.map((file) => file.path).sort();
}

/** Every version of `name` that some workspace package installs (and so CI tests). */
function testedVersions(name: string): string[] {
  const dirs = [
    'test',
    'test/otel3',
    ...['examples', 'packages'].flatMap((d) => readdirSync(join(root, d)).map((e) => `${d}/${e}`)),
  ];
  const versions: string[] = [];
  for (const dir of dirs) {
    let m: Manifest;
    try {
      m = manifest(dir);
    } catch {
      continue;
    }
    for (const [key, spec] of Object.entries({ ...m.dependencies, ...m.devDependencies })) {
      const alias = /^npm:(@?[^@]+)@(.+)$/.exec(spec);
      const [pkg, version] = alias ? [alias[1], alias[2]] : [key, spec];
      if (pkg === name && semver.valid(version)) versions.push(version as string);
    }
  }
  return versions;
}

describe.each(PACKAGES)('packages/%s', (dir) => {
  const m = manifest(`packages/${dir}`);

  it('has the metadata an npm page shows', () => {
    expect(m.description?.length).toBeGreaterThan(20);
    expect(m.keywords?.length).toBeGreaterThanOrEqual(5);
    expect(m.author).toBeTruthy();
    expect(m.license).toBe('MIT');
    expect(m.homepage).toMatch(/^https:\/\//);
    expect(m.bugs?.url).toMatch(/^https:\/\//);
    expect(m.repository).toEqual({
      type: 'git',
      url: expect.stringMatching(/^git\+https:\/\/.+\.git$/),
      directory: `packages/${dir}`,
    });
  });

  it('needs the same Node.js as the repository, and ships its LICENSE, README and CHANGELOG', () => {
    expect(m.engines?.node).toBe(rootManifest.engines.node);
    const license = readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
    expect(readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8')).toContain(`# ${m.name}`);
    const changelog = readFileSync(join(root, 'packages', dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## ${m.version}`);
  });

  it('npm and pnpm pack the same files: the builds, no source maps, the docs', () => {
    const npmFiles = packedFiles('npm', dir);
    expect(packedFiles('pnpm', dir)).toEqual(npmFiles);
    expect(npmFiles).toEqual(
      expect.arrayContaining([
        'CHANGELOG.md',
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.cjs',
        'dist/index.d.ts',
        'dist/index.d.cts',
      ]),
    );
    const unexpected = npmFiles.filter(
      (file) =>
        !/^(CHANGELOG\.md|LICENSE|README\.md|package\.json|dist\/([\w-]+\/)?[\w-]+\.(js|cjs|d\.ts|d\.cts))$/.test(
          file,
        ),
    );
    expect(unexpected).toEqual([]);
  });

  it('peer ranges start at versions CI installs and tests', () => {
    const problems: string[] = [];
    for (const [name, range] of Object.entries(m.peerDependencies ?? {})) {
      const tested = testedVersions(name);
      for (const part of range.split('||')) {
        const lowest = semver.minVersion(part.trim())?.version;
        const covered = tested.some(
          (v) =>
            semver.satisfies(v, part.trim()) &&
            semver.major(v) === semver.major(lowest ?? '0.0.0') &&
            semver.minor(v) === semver.minor(lowest ?? '0.0.0'),
        );
        if (!covered)
          problems.push(`${name} ${part.trim()}: tested ${tested.join(', ') || 'nothing'}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the packed manifests (pnpm pack, as the release publishes)', () => {
  const out = mkdtempSync(join(tmpdir(), 'tracebridge-pack-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(PACKAGES)('packages/%s: no workspace: range left', (dir) => {
    execFileSync('npx', [...pnpm, 'pack', '--pack-destination', out], {
      cwd: join(root, 'packages', dir),
      encoding: 'utf8',
    });
    const m = manifest(`packages/${dir}`);
    const tarball = join(out, `${m.name.replace('@', '').replace('/', '-')}-${m.version}.tgz`);
    const packed = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    );
    expect(JSON.stringify(packed)).not.toContain('workspace:');
    for (const [name, range] of Object.entries<string>(packed.dependencies ?? {})) {
      if (name.startsWith('@tracebridge/'))
        expect(range).toBe(`^${manifest(`packages/${name.split('/')[1]}`).version}`);
    }
  });
});
