import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { newTraceContext, type TraceContext } from './context.js';
import { current, run } from './current.js';
import { bindEmitter } from './emitter.js';

const a = newTraceContext();
const b = newTraceContext();
const foreign = newTraceContext();

function setup(ctx: TraceContext = a) {
  const emitter = new EventEmitter();
  bindEmitter(emitter, ctx);
  const seen: (TraceContext | undefined)[] = [];
  const record = () => {
    seen.push(current());
  };
  return { emitter, seen, record };
}

describe('bindEmitter: listener semantics', () => {
  it('on: the listener runs in the bound context when emitted from a foreign one', () => {
    const { emitter, seen, record } = setup();
    emitter.on('x', record);
    run(foreign, () => emitter.emit('x'));
    emitter.emit('x');
    expect(seen).toEqual([a, a]);
  });

  it('addListener: the same function as on, as Node promises', () => {
    const { emitter, seen, record } = setup();
    expect(emitter.addListener).toBe(emitter.on);
    emitter.addListener('x', record);
    run(foreign, () => emitter.emit('x'));
    expect(seen).toEqual([a]);
  });

  it('once: runs once, in the bound context, and is removed', () => {
    const { emitter, seen, record } = setup();
    emitter.once('x', record);
    run(foreign, () => emitter.emit('x'));
    run(foreign, () => emitter.emit('x'));
    expect(seen).toEqual([a]);
    expect(emitter.listenerCount('x')).toBe(0);
  });

  it('prependListener: runs first, in the bound context', () => {
    const { emitter, seen } = setup();
    const order: string[] = [];
    emitter.on('x', () => order.push('second'));
    emitter.prependListener('x', () => {
      order.push('first');
      seen.push(current());
    });
    run(foreign, () => emitter.emit('x'));
    expect(order).toEqual(['first', 'second']);
    expect(seen).toEqual([a]);
  });

  it('prependOnceListener: runs first, once, in the bound context', () => {
    const { emitter, seen } = setup();
    const order: string[] = [];
    emitter.on('x', () => order.push('second'));
    emitter.prependOnceListener('x', () => {
      order.push('first');
      seen.push(current());
    });
    run(foreign, () => emitter.emit('x'));
    run(foreign, () => emitter.emit('x'));
    expect(order).toEqual(['first', 'second', 'second']);
    expect(seen).toEqual([a]);
  });

  it('off / removeListener with the original function remove an on-listener', () => {
    const { emitter, seen, record } = setup();
    emitter.on('x', record);
    emitter.off('x', record);
    emitter.on('y', record);
    emitter.removeListener('y', record);
    emitter.emit('x');
    emitter.emit('y');
    expect(seen).toEqual([]);
    expect(emitter.listenerCount('x') + emitter.listenerCount('y')).toBe(0);
  });

  it('off with the original function removes a once-listener before it fires', () => {
    const { emitter, seen, record } = setup();
    emitter.once('x', record);
    emitter.off('x', record);
    emitter.emit('x');
    expect(seen).toEqual([]);
  });

  it("'removeListener' and 'newListener' events report the original function", () => {
    const { emitter, record } = setup();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    emitter.on('newListener', (_type, fn) => added.push(fn));
    emitter.on('removeListener', (_type, fn) => removed.push(fn));
    emitter.on('x', record);
    emitter.off('x', record);
    expect(added).toContain(record);
    expect(removed).toEqual([record]);
  });

  it('removeAllListeners removes bound listeners (one event and all)', () => {
    const { emitter, seen, record } = setup();
    emitter.on('x', record);
    emitter.once('x', record);
    emitter.on('y', record);
    emitter.removeAllListeners('x');
    emitter.emit('x');
    expect(emitter.listenerCount('x')).toBe(0);
    emitter.removeAllListeners();
    emitter.emit('y');
    expect(seen).toEqual([]);
  });

  it('listeners() returns the original functions', () => {
    const { emitter, record } = setup();
    const other = () => undefined;
    emitter.on('x', record);
    emitter.once('x', other);
    expect(emitter.listeners('x')).toEqual([record, other]);
  });

  it('rawListeners() returns the wrappers, each pointing at its original through .listener', () => {
    const { emitter, record } = setup();
    emitter.on('x', record);
    const raw = emitter.rawListeners('x') as unknown as { listener?: unknown }[];
    expect(raw).toHaveLength(1);
    expect(raw[0]).not.toBe(record);
    expect(raw[0]?.listener).toBe(record);
  });

  it('listenerCount() counts bound listeners, also by original function', () => {
    const { emitter, record } = setup();
    emitter.on('x', record);
    emitter.once('x', () => undefined);
    expect(emitter.listenerCount('x')).toBe(2);
    expect(emitter.listenerCount('x', record)).toBe(1);
  });

  it('binding the same emitter again takes effect for listeners added after it', () => {
    const { emitter, seen, record } = setup(a);
    emitter.on('x', record);
    bindEmitter(emitter, b);
    emitter.on('x', record);
    run(foreign, () => emitter.emit('x'));
    expect(seen).toEqual([a, b]);
  });

  it('keeps this, arguments and return values', () => {
    const { emitter } = setup();
    let got: unknown[] = [];
    emitter.on('x', function (this: unknown, ...args: unknown[]) {
      got = [this, ...args];
    });
    emitter.emit('x', 1, 2);
    expect(got).toEqual([emitter, 1, 2]);
  });

  it('with the default context, binds to the context current at bindEmitter time', () => {
    const emitter = new EventEmitter();
    run(a, () => bindEmitter(emitter));
    const seen: unknown[] = [];
    emitter.on('x', () => seen.push(current()));
    run(foreign, () => emitter.emit('x'));
    expect(seen).toEqual([a]);
  });

  it("streams: 'data' still starts the flow, and 'data'/'end' run in the bound context", async () => {
    const stream = new PassThrough();
    bindEmitter(stream, a);
    const seen: unknown[] = [];
    const ended = new Promise<void>((resolve) => {
      stream.on('data', () => seen.push(current()));
      stream.once('end', () => {
        seen.push(current());
        resolve();
      });
    });
    run(foreign, () => {
      stream.write('one');
      setTimeout(() => stream.end('two'), 1);
    });
    await ended;
    expect(seen).toEqual([a, a, a]);
  });

  it("a listener that is not a function gets Node's own error", () => {
    const { emitter } = setup();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => emitter.on('x', 'nope' as any)).toThrow(/listener/);
  });

  it('refuses a non-emitter and a frozen emitter with clear TypeErrors', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => bindEmitter({} as any, a)).toThrow(
      /@tracebridge\/core: bindEmitter\(emitter\) expects an EventEmitter/,
    );
    const frozen = Object.freeze(new EventEmitter());
    expect(() => bindEmitter(frozen, a)).toThrow(/frozen or sealed/);
  });

  it('a once-listener that emits its own event again runs only once', () => {
    const { emitter } = setup();
    let calls = 0;
    emitter.once('x', () => {
      calls++;
      emitter.emit('x');
    });
    emitter.emit('x');
    expect(calls).toBe(1);
  });
});
