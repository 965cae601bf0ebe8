import { EventEmitter } from 'node:events';

/**
 * The doctor's one intrusion, opt-in and undone by `doctor.disable()`: the listener methods
 * of `EventEmitter.prototype` are replaced, so that a listener added while a request's
 * context is current can be followed to the lines it writes when it fires. Every Node
 * emitter — `req`, `res`, sockets, streams, your own buses — inherits them.
 *
 * A followed listener is wrapped; the wrapper keeps the original under `.listener`, as
 * Node's own `once` wrapper does, so `off(type, listener)`, `listeners()`,
 * `listenerCount()` and the 'newListener'/'removeListener' events behave as before. A
 * function that has a `.listener` already (bound by `bindEmitter`, by OpenTelemetry's
 * context manager) is left alone: it runs in its own context by construction.
 */

type Listener = (...args: unknown[]) => unknown;
type Method = (this: EventEmitter, type: string | symbol, listener: Listener) => EventEmitter;

/** Decides whether a listener added now is followed; returns the function to add instead. */
export type Follow = (
  emitter: EventEmitter,
  method: string,
  type: string | symbol,
  listener: Listener,
) => ((self: unknown, args: unknown[]) => unknown) | undefined;

const METHODS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const;

/** `follow`, made harmless: a failure inside the doctor leaves the listener unfollowed
 * rather than breaking the application's `on()` call. */
function safely(follow: Follow, ...args: Parameters<Follow>): ReturnType<Follow> {
  try {
    return follow(...args);
  } catch {
    return undefined;
  }
}

function isPlainListener(listener: unknown): listener is Listener {
  return (
    typeof listener === 'function' &&
    typeof (listener as { listener?: unknown }).listener !== 'function'
  );
}

function markListener<F extends Listener>(wrapper: F, listener: Listener): F {
  (wrapper as { listener?: unknown }).listener = listener;
  return wrapper;
}

/** Replaces the listener methods; returns the function that puts the originals back. */
export function patchEmitters(follow: Follow): () => void {
  const proto = EventEmitter.prototype as unknown as Record<string, Method>;
  const originals = Object.fromEntries(METHODS.map((name) => [name, proto[name] as Method]));
  const on = originals.on as Method;
  const prepend = originals.prependListener as Method;

  function adder(name: 'on' | 'addListener' | 'prependListener', original: Method): Method {
    return function (this: EventEmitter, type, listener) {
      const run = isPlainListener(listener)
        ? safely(follow, this, name, type, listener)
        : undefined;
      if (run === undefined) return original.call(this, type, listener);
      const followed = function (this: unknown, ...args: unknown[]) {
        return run(this, args);
      };
      return original.call(this, type, markListener(followed, listener));
    };
  }

  // once is written here rather than left to Node's (which adds its own wrapper through
  // `this.on`): the wrapper removes itself by identity, so it must be the one in the list.
  function onceAdder(name: 'once' | 'prependOnceListener', original: Method): Method {
    return function (this: EventEmitter, type, listener) {
      const run = isPlainListener(listener)
        ? safely(follow, this, name, type, listener)
        : undefined;
      if (run === undefined) return original.call(this, type, listener);
      let fired = false;
      const emitter = this;
      const followedOnce = function (this: unknown, ...args: unknown[]) {
        if (fired) return undefined;
        fired = true;
        emitter.removeListener(type, followedOnce);
        return run(this, args);
      };
      markListener(followedOnce, listener);
      // Through the emitter's own on/prependListener (a stream's `on` starts its flow).
      return name === 'once'
        ? (this.on as Method).call(this, type, followedOnce)
        : (this.prependListener as Method).call(this, type, followedOnce);
    };
  }

  const patched: Record<string, Method> = {
    on: adder('on', on),
    prependListener: adder('prependListener', prepend),
    once: onceAdder('once', originals.once as Method),
    prependOnceListener: onceAdder('prependOnceListener', originals.prependOnceListener as Method),
  };
  // Node's on and addListener are one function: keep them one.
  patched.addListener = patched.on as Method;
  for (const name of METHODS) proto[name] = patched[name] as Method;

  return () => {
    for (const name of METHODS) {
      // Put back only what is still ours: a later patch by someone else stays.
      if (proto[name] === patched[name]) proto[name] = originals[name] as Method;
    }
  };
}
