/**
 * An id handed out keeps nothing else alive (DESIGN invariant 7): each id is a string of its
 * own, not a slice of a larger buffer of text. Measured as heap after GC in a child process.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'support', 'id-retention.mjs');

describe('random ids', () => {
  it('retain at most 150 heap bytes each when one in 400 is kept', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', script, '400'], {
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as { bytesPerId: number; sample: string };
    console.log(`kept ids: ${result.bytesPerId.toFixed(1)} heap bytes each`);
    expect(result.sample).toMatch(/^[0-9a-f]{16}$|^[0-9a-f]{32}$/);
    expect(result.bytesPerId).toBeLessThanOrEqual(150);
  });
});
