import { EventEmitter, once } from 'node:events';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newTraceContext } from '../context.js';
import { current, run } from '../current.js';
import { noteLine } from '../doctor-hook.js';
import { bindEmitter } from '../emitter.js';
import { doctor } from './api.js';

const requestA = newTraceContext();
const requestB = newTraceContext();
/** What a tracebridge-aware logger does for an unbound line. */
const writeLine = () => noteLine(current());

beforeAll(() => doctor.enable());
afterEach(() => doctor.reset());
afterAll(() => doctor.disable());

describe('listeners under the doctor behave as without it', () => {
  it('leaves listeners added outside any context alone', () => {
    const emitter = new EventEmitter();
    const listener = () => {};
    emitter.on('x', listener);
    expect(emitter.rawListeners('x')).toEqual([listener]);
    expect(doctor.report().listenersWatched).toBe(0);
  });

  it('follows one added in a context, keeping on/off/listeners/listenerCount', () => {
    const emitter = new EventEmitter();
    const calls: unknown[] = [];
    const listener = function (this: unknown, value: unknown) {
      calls.push([this, value]);
      return 'ignored';
    };
    const removed: unknown[] = [];
    emitter.on('removeListener', (_type, fn) => removed.push(fn));
    run(requestA, () => emitter.on('x', listener));
    const [raw] = emitter.rawListeners('x') as Array<{ listener?: unknown }>;
    expect(raw).not.toBe(listener);
    expect(raw?.listener).toBe(listener);
    expect(emitter.listeners('x')).toEqual([listener]);
    expect(emitter.listenerCount('x')).toBe(1);
    emitter.emit('x', 1);
    expect(calls).toEqual([[emitter, 1]]);
    emitter.off('x', listener);
    expect(emitter.listenerCount('x')).toBe(0);
    expect(removed).toEqual([listener]);
    expect(doctor.report().listenersWatched).toBe(1);
  });

  it('runs a once listener once, removes it, and lets off() remove it first', () => {
    const emitter = new EventEmitter();
    let calls = 0;
    const listener = () => calls++;
    run(requestA, () => emitter.once('x', listener));
    emitter.emit('x');
    emitter.emit('x');
    expect(calls).toBe(1);
    expect(emitter.listenerCount('x')).toBe(0);
    run(requestA, () => emitter.once('y', listener));
    emitter.off('y', listener);
    emitter.emit('y');
    expect(calls).toBe(1);
    expect(emitter.listenerCount('y')).toBe(0);
  });

  it('keeps prepend order, events.once() and a stream flowing on once("data")', async () => {
    const emitter = new EventEmitter();
    const order: string[] = [];
    run(requestA, () => {
      emitter.on('x', () => order.push('on'));
      emitter.prependListener('x', () => order.push('prepend'));
      emitter.prependOnceListener('x', () => order.push('prependOnce'));
    });
    emitter.emit('x');
    expect(order).toEqual(['prependOnce', 'prepend', 'on']);

    const waiting = run(requestA, () => once(emitter, 'y'));
    emitter.emit('y', 42);
    await expect(waiting).resolves.toEqual([42]);
    expect(emitter.listenerCount('y')).toBe(0);

    const stream = Readable.from(['chunk']);
    const data = run(requestA, () => new Promise((resolve) => stream.once('data', resolve)));
    await expect(data).resolves.toBe('chunk');
  });

  it('never breaks on(): a failure inside the doctor leaves the listener unfollowed', () => {
    const emitter = new EventEmitter();
    Object.defineProperty(emitter, 'constructor', {
      get() {
        throw new Error('a hostile getter');
      },
    });
    let calls = 0;
    run(requestA, () => emitter.on('x', () => calls++));
    emitter.emit('x');
    expect(calls).toBe(1);
    expect(doctor.report().listenersWatched).toBe(0);
  });

  it('leaves listeners of a bound emitter alone (they run in their context already)', () => {
    const emitter = new EventEmitter();
    run(requestA, () => {
      bindEmitter(emitter);
      emitter.on('x', writeLine);
    });
    run(requestB, () => emitter.emit('x'));
    expect(doctor.report()).toMatchObject({ listenersWatched: 0, linesChecked: 0 });
  });
});

describe('judging lines', () => {
  it('counts a line with no id and one with another request id, not a right one', () => {
    const emitter = new EventEmitter();
    run(requestA, () => emitter.on('x', writeLine));
    emitter.emit('x'); // no context: missing
    run(requestB, () => emitter.emit('x')); // B's context: foreign
    run(requestA, () => emitter.emit('x')); // its own: fine
    const found = doctor.report();
    expect(found).toMatchObject({ linesChecked: 3, missing: 1, foreign: 1 });
    expect(found.findings.map((f) => f.kind).sort()).toEqual(['foreign', 'missing']);
    const foreign = found.findings.find((f) => f.kind === 'foreign');
    expect(foreign?.example).toEqual({
      expectedTraceId: requestA.traceId,
      lineTraceId: requestB.traceId,
    });
    expect(foreign?.registeredWith).toBe('EventEmitter.on("x")');
    // (Call sites are tracebridge's own frames here, so none is named: test/doctor.test.ts
    // checks them from an application's side.)
  });

  it('does not judge lines outside work a request registered', () => {
    writeLine();
    run(requestA, writeLine);
    expect(doctor.report()).toMatchObject({ linesChecked: 0, findings: [] });
  });

  it('blames the registration where the context was lost, not a later one', () => {
    const first = new EventEmitter();
    const second = new EventEmitter();
    // Added in A, fired with no context: what it adds then inherits the loss.
    run(requestA, () =>
      first.once('x', () => {
        second.once('y', writeLine);
      }),
    );
    first.emit('x');
    second.emit('y');
    const [finding] = doctor.report().findings;
    expect(finding?.registeredWith).toBe('EventEmitter.once("x")');
    doctor.reset();

    // Added in A and fired in A: a listener it adds is a registration of its own.
    run(requestA, () =>
      first.once('x', () => {
        second.once('y', writeLine);
      }),
    );
    run(requestA, () => first.emit('x'));
    second.emit('y');
    const [own] = doctor.report().findings;
    expect(own?.registeredWith).toBe('EventEmitter.once("y")');
    expect(own?.example.expectedTraceId).toBe(requestA.traceId);
  });

  it('stops judging when disabled, and keeps what it found', () => {
    const emitter = new EventEmitter();
    run(requestA, () => emitter.on('x', writeLine));
    emitter.emit('x');
    doctor.disable();
    emitter.emit('x');
    expect(doctor.report()).toMatchObject({ enabled: false, missing: 1 });
    doctor.enable();
  });
});
