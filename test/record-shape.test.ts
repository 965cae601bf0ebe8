/**
 * Log records must reach formats and transports in V8's fast mode: a record in dictionary
 * mode makes every later field store and `JSON.stringify` several times slower. traceFormat
 * takes captureOnWrite's mark off each record it reads; from V8 12 (Node 22 on), deleting it
 * turned the record into a dictionary, so it is cleared there instead. Checked with V8's own
 * %HasFastProperties in a child process, for each way tracebridge writes a record.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Counts {
  fast: number;
  dictionary: number;
  ids: number;
}

const probe = fileURLToPath(new URL('./support/record-shape-probe.cjs', import.meta.url));
const v8Major = Number.parseInt(process.versions.v8, 10);

function run(): { count: number; results: Record<string, Counts> } {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', probe], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}

describe(`log record shape on V8 ${process.versions.v8}`, () => {
  const { count, results } = run();
  const always = [
    'request line, createLogger',
    'request line, traceFormat + format.json()',
    'request line, buffered',
    'logger.info in the context',
    'bound logger',
    'child logger',
    'buffered behind a slow transport',
  ];

  it.each(always)('%s: every record fast, with its ids', (name) => {
    expect(results[name]).toEqual({ fast: count, dictionary: 0, ids: count });
  });

  it('a request line with a request id: its ids always; fast mode on V8 before 12', () => {
    // 18 fields before Winston adds its formatted message: from V8 12 that last keyed store
    // makes the record a dictionary, whatever tracebridge does with its mark (known, open).
    const counts = results['request line with a request id'];
    expect(counts?.ids).toBe(count);
    if (v8Major < 12) expect(counts?.dictionary).toBe(0);
  });
});
