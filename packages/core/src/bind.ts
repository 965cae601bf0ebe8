import type { TraceContext } from './context.js';
import { createScope } from './scope.js';

// biome-ignore lint/suspicious/noExplicitAny: a bound function keeps any signature.
type AnyFunction = (...args: any[]) => any;

/**
 * Returns a function that runs `fn` in `ctx` (default: the context current now) on every
 * call, wherever it is called from — the "rebuild" fix for callbacks that a shared emitter,
 * pool, queue or timer fires later in some other request's context. The store is replaced,
 * not only filled in; the OpenTelemetry context is restored with it.
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
  return function bound(this: unknown, ...args: Parameters<F>): ReturnType<F> {
    return scope.run(fn, this, args);
  } as F;
}
