import type { TraceContext } from './context.js';
import { createScope, type Scope } from './scope.js';

type Listener = (...args: unknown[]) => unknown;
type Method = (this: EmitterLike, type: string | symbol, listener: Listener) => EmitterLike;

/** The part of Node's EventEmitter that bindEmitter relies on. */
export interface EmitterLike {
  on(type: string | symbol, listener: Listener): unknown;
  addListener(type: string | symbol, listener: Listener): unknown;
  removeListener(type: string | symbol, listener: Listener): unknown;
  prependListener?(type: string | symbol, listener: Listener): unknown;
}

interface Originals {
  on: Method;
  prependListener: Method | undefined;
}

// Symbol.for: an emitter bound by the ESM build and again by the CJS build (or another
// installed copy) must be recognised as already patched.
const kScope = Symbol.for('@tracebridge/core.emitter.scope');
const kOriginals = Symbol.for('@tracebridge/core.emitter.originals');

type Bindable = EmitterLike & { [kScope]?: Scope; [kOriginals]?: Originals };

/**
 * Makes every listener added to `emitter` from now on run in `ctx` (default: the context
 * current now), whichever context later emits the event. `on`, `addListener`, `once`,
 * `prependListener` and `prependOnceListener` are wrapped on this instance only (no
 * prototype is touched); `off`/`removeListener` with the original function,
 * `removeAllListeners`, `listeners()` (originals), `rawListeners()` (wrappers, each with
 * `.listener`) and `listenerCount()` behave as before. Binding the same emitter again
 * switches it to the new context for listeners added after that.
 *
 * @example
 * bindEmitter(req);
 * bindEmitter(res);
 * res.on('finish', () => logger.info('sent')); // this request's ids, even when pipelined
 */
export function bindEmitter<E extends EmitterLike>(emitter: E, ctx?: TraceContext): E {
  bindEmitterToScope(emitter, createScope(ctx));
  return emitter;
}

/** Binds `emitter` to an existing scope (one scope can serve a request's req and res). */
export function bindEmitterToScope<E extends EmitterLike>(emitter: E, scope: Scope): E {
  const target = emitter as E & Bindable;
  if (
    typeof target !== 'object' ||
    target === null ||
    typeof target.on !== 'function' ||
    typeof target.addListener !== 'function' ||
    typeof target.removeListener !== 'function'
  ) {
    throw new TypeError(
      '@tracebridge/core: bindEmitter(emitter) expects an EventEmitter (on, addListener, ' +
        'removeListener); for a single callback use bind(fn)',
    );
  }
  try {
    if (Object.hasOwn(target, kOriginals)) {
      target[kScope] = scope;
      return emitter;
    }
    const originals: Originals = {
      on: target.on as Method,
      prependListener: target.prependListener as Method | undefined,
    };
    // Own properties of this instance, as OpenTelemetry's own emitter binding sets them.
    target[kScope] = scope;
    target[kOriginals] = originals;
    // One function for both, as Node's own emitters have (addListener === on).
    target.on = patchedOn as E['on'];
    target.addListener = patchedOn as E['addListener'];
    (target as { once?: unknown }).once = patchedOnce;
    if (typeof originals.prependListener === 'function') {
      (target as { prependListener?: unknown }).prependListener = patchedPrependListener;
      (target as { prependOnceListener?: unknown }).prependOnceListener =
        patchedPrependOnceListener;
    }
  } catch (cause) {
    throw new TypeError(
      '@tracebridge/core: bindEmitter(emitter) could not wrap its listener methods (is the ' +
        'emitter frozen or sealed?); bind each listener with bind(fn) instead',
      { cause },
    );
  }
  return emitter;
}

function wrap(scope: Scope, listener: Listener): Listener {
  const bound = function boundListener(this: unknown, ...args: unknown[]): unknown {
    return scope.run(listener, this, args);
  };
  // Node's removeListener, listeners(), listenerCount() and 'newListener'/'removeListener'
  // events all look through `.listener`: the original function keeps working with them.
  (bound as { listener?: unknown }).listener = listener;
  return bound;
}

function wrapOnce(scope: Scope, type: string | symbol, listener: Listener): Listener {
  let fired = false;
  const bound = function boundOnceListener(this: EmitterLike, ...args: unknown[]): unknown {
    if (fired) return undefined;
    fired = true;
    this.removeListener(type, bound);
    return scope.run(listener, this, args);
  };
  (bound as { listener?: unknown }).listener = listener;
  return bound;
}

function add(
  emitter: Bindable,
  method: Method | undefined,
  type: string | symbol,
  listener: Listener,
  once: boolean,
): EmitterLike {
  const scope = emitter[kScope];
  // A non-function goes through unwrapped so Node throws its own ERR_INVALID_ARG_TYPE.
  if (scope === undefined || method === undefined || typeof listener !== 'function') {
    return (method ?? (emitter.on as Method)).call(emitter, type, listener);
  }
  return method.call(emitter, type, once ? wrapOnce(scope, type, listener) : wrap(scope, listener));
}

function originalsOf(emitter: Bindable): Originals {
  const originals = emitter[kOriginals];
  if (originals === undefined) {
    throw new TypeError('@tracebridge/core: a bound listener method was called on another object');
  }
  return originals;
}

function patchedOn(this: Bindable, type: string | symbol, listener: Listener): EmitterLike {
  return add(this, originalsOf(this).on, type, listener, false);
}

// once goes through the original `on` (as EventEmitter's own once does): streams override
// `on` to start flowing on 'data'/'readable'.
function patchedOnce(this: Bindable, type: string | symbol, listener: Listener): EmitterLike {
  return add(this, originalsOf(this).on, type, listener, true);
}

function patchedPrependListener(this: Bindable, type: string | symbol, listener: Listener) {
  return add(this, originalsOf(this).prependListener, type, listener, false);
}

function patchedPrependOnceListener(this: Bindable, type: string | symbol, listener: Listener) {
  return add(this, originalsOf(this).prependListener, type, listener, true);
}
