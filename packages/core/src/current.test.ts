import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { bind } from './bind.js';
import { createTraceContext, newTraceContext } from './context.js';
import { capture, current, run } from './current.js';

describe('run / current / capture (no OpenTelemetry SDK)', () => {
  it('has no context outside run: a normal state, not an error', () => {
    expect(current()).toBeUndefined();
    expect(capture()).toBeUndefined();
  });

  it('current() is ctx inside run, across awaits, and nests', async () => {
    const outer = newTraceContext();
    const inner = newTraceContext();
    await run(outer, async () => {
      expect(current()).toBe(outer);
      await sleep(1);
      expect(current()).toBe(outer);
      run(inner, () => expect(current()).toBe(inner));
      expect(current()).toBe(outer);
      run(undefined, () => expect(current()).toBeUndefined());
    });
    expect(current()).toBeUndefined();
  });

  it('passes arguments and returns the result', () => {
    expect(run(newTraceContext(), (a: number, b: number) => a + b, 2, 3)).toBe(5);
  });

  it('checks a context it did not make, and refuses an invalid one', () => {
    const plain = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    };
    run(plain, () => expect(current()).toEqual(createTraceContext(plain)));
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => run({ traceId: 'x' } as any, () => 1)).toThrow(/@tracebridge\/core: traceId/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => run(newTraceContext(), 'no' as any)).toThrow(/expects a function/);
  });
});

describe('bind', () => {
  it('re-enters the captured context from a foreign one, replacing (not only filling) the store', async () => {
    const mine = newTraceContext();
    const other = newTraceContext();
    const bus = new EventEmitter();
    const seen: unknown[] = [];
    run(mine, () => {
      bus.on(
        'tick',
        bind(() => seen.push(current())),
      );
      bus.on('tick', () => seen.push(current()));
    });
    run(other, () => bus.emit('tick'));
    bus.emit('tick');
    expect(seen).toEqual([mine, other, mine, undefined]);
  });

  it('binds to an explicit context and keeps this and arguments', () => {
    const ctx = newTraceContext();
    const target = {
      name: 't',
      method(this: { name: string }, x: number) {
        return [this.name, x, current()];
      },
    };
    const bound = bind(target.method, ctx);
    expect(bound.call(target, 7)).toEqual(['t', 7, ctx]);
  });

  it('bound outside any context runs with no context, even when called inside one', () => {
    const bound = bind(() => current());
    expect(run(newTraceContext(), bound)).toBeUndefined();
  });

  it('works across timers created elsewhere', async () => {
    const ctx = newTraceContext();
    const done = run(ctx, () => bind(() => current()));
    const result = await run(
      newTraceContext(),
      () => new Promise((resolve) => setTimeout(() => resolve(done()), 1)),
    );
    expect(result).toBe(ctx);
  });

  it("keeps the function's length and name: a bound (err, req, res, next) is still an error handler", () => {
    function handleError(_err: unknown, _req: unknown, _res: unknown, _next: unknown) {}
    const bound = bind(handleError);
    expect(bound.length).toBe(4);
    expect(bound.name).toBe('handleError');
    expect(bind(() => undefined).length).toBe(0);
    const arrow = (_a: number, _b: number) => _a + _b;
    expect(bind(arrow)).toHaveLength(2);
  });

  it('re-enters every AsyncLocalStorage as it was at bind time, not only its own', () => {
    const other = new AsyncLocalStorage<string>();
    const ctx = newTraceContext();
    const bound = other.run('at bind', () =>
      run(ctx, () => bind(() => [current(), other.getStore()])),
    );
    expect(other.run('at call', () => bound())).toEqual([ctx, 'at bind']);
  });

  it('refuses a non-function with a clear TypeError', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => bind(42 as any)).toThrow(
      /@tracebridge\/core: bind\(fn, ctx\?\) expects a function/,
    );
  });
});
