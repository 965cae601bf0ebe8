import type { TraceContext } from './context.js';
import { createScope } from './scope.js';

// biome-ignore lint/suspicious/noExplicitAny: a bound function keeps any signature.
type AnyFunction = (...args: any[]) => any;

/**
 * Returns a function that runs `fn` in `ctx` (default: the context current now) on every
 * call, wherever it is called from — the "rebuild" fix for callbacks that a shared emitter,
 * pool, queue or timer fires later in some other request's context. The store is replaced,
 * not only filled in. Like `AsyncResource.bind`, it re-enters every `AsyncLocalStorage` as
 * it was when `bind` was called — OpenTelemetry's context included, and any other
 * library's (OpenTelemetry's own `context.bind` restores only its own). The bound function
 * keeps `fn`'s `length` and `name`: Express still tells a bound `(err, req, res, next)`
 * error handler by its four parameters.
 *
 * @example
 * pool.query(sql, bind((err, rows) => {
 *   logger.info('query done'); // this request's trace id, not the pool creator's
 * }));
 */
export function bind<F extends AnyFunction>(fn: F, ctx?: TraceContext): F {
  if (typeof fn !== 'function') {
    throw new TypeError(`@tracebridge/core: bind(fn, ctx?) expects a function, got ${typeof fn}`);
  }
  const scope = createScope(ctx);
  const bound = function bound(this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return scope.run(fn, this, args);
  };
  Object.defineProperties(bound, {
    length: { configurable: true, value: fn.length },
    name: { configurable: true, value: fn.name },
  });
  return bound as F;
}
