import { afterEach, describe, expect, it, vi } from 'vitest';

const KEY = Symbol.for('@tracebridge/core.store');
const holder = globalThis as Record<symbol, unknown>;

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

async function freshStore() {
  vi.resetModules();
  return import('./store.js');
}

describe('the process-wide store slot', () => {
  it('is created once and shared by a second copy of the module', async () => {
    const first = await freshStore();
    const second = await freshStore();
    expect(first).not.toBe(second);
    const ctx = Object.freeze({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
    first.runStored(ctx, () => expect(second.storedContext()).toBe(ctx));
    expect(Object.getOwnPropertyDescriptor(globalThis, KEY)?.enumerable).toBe(false);
  });

  it('a planted incompatible value is reported, never thrown, and a private store still works', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, KEY);
    Reflect.deleteProperty(globalThis, KEY);
    holder[KEY] = { version: 999, als: 'not a store' };
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const store = await freshStore();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /^@tracebridge\/core: .*incompatible.*version 999/,
      );
      const ctx = Object.freeze({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
      store.runStored(ctx, () => expect(store.storedContext()).toBe(ctx));
      expect((holder[KEY] as { version: number }).version).toBe(999);
    } finally {
      Reflect.deleteProperty(globalThis, KEY);
      if (saved) Object.defineProperty(globalThis, KEY, saved);
    }
  });

  it('a planted non-object value is reported too', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, KEY);
    Reflect.deleteProperty(globalThis, KEY);
    holder[KEY] = 'garbage';
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      await freshStore();
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/version unknown/),
        expect.objectContaining({ code: 'TRACEBRIDGE_STORE_MISMATCH' }),
      );
    } finally {
      Reflect.deleteProperty(globalThis, KEY);
      if (saved) Object.defineProperty(globalThis, KEY, saved);
    }
  });
});
