/** Which Node.js line and AsyncLocalStorage implementation this run covers. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';

// The AsyncContextFrame-based class names AsyncContextFrame in its source; the
// async_hooks-based one does not.
const als = /AsyncContextFrame/.test(AsyncLocalStorage.toString())
  ? 'AsyncContextFrame'
  : 'async_hooks';

describe('runtime', () => {
  it('runs on the AsyncLocalStorage implementation the matrix asked for', () => {
    console.log(`Node ${process.version}, ${als} AsyncLocalStorage`);
    const expected = process.env.TRACEBRIDGE_EXPECT_ALS;
    if (expected !== undefined) expect(als).toBe(expected);
    expect(['AsyncContextFrame', 'async_hooks']).toContain(als);
  });
});
