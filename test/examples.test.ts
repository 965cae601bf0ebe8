/** Smoke tests of the runnable examples, as a user runs them. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const examples = join(import.meta.dirname, '..', 'examples');

describe('examples', () => {
  it('minimal --demo: exits 0 and shows tracebridge 0 missing / 0 wrong next to the naive losses', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(examples, 'minimal', 'server.mjs'),
        '--demo',
        '--requests',
        '200',
        '--concurrency',
        '40',
      ],
      { timeout: 60_000 },
    );
    expect(stdout).toMatch(/res\.on\('finish'\)\s+\d+ \/ \d+ \/ \d+\s+200 \/ 0 \/ 0/);
    expect(stdout).toMatch(/answered from pool\s+\d+ \/ 0 \/ [1-9]\d* +100 \/ 0 \/ 0/);
    expect(stdout).toContain("every line carries its own request's trace id");
  });

  it('minimal --demo refuses bad flags with a clear message and exit 2', async () => {
    await expect(
      run(process.execPath, [
        join(examples, 'minimal', 'server.mjs'),
        '--demo',
        '--requests',
        'lots',
      ]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--requests and --concurrency take whole numbers'),
    });
  });
});
