import {
  createRequestLifecycle,
  type RequestLifecycleOptions,
  type TraceContext,
} from '@tracebridge/core';
import {
  bindLogger,
  type ChildLogger,
  isBindableLogger,
  type WritableLogger,
} from '@tracebridge/core/winston';
import { type KoaContextLike, type KoaNext, rememberContext } from './koa-context.js';
import { downstream, type KoaRequestLog } from './request-logger.js';

/** Options of {@link traceContext}: core's request lifecycle, and a logger for `ctx.log`. */
export interface TraceContextOptions extends Omit<RequestLifecycleOptions, 'onDone'> {
  /** Gives each request `ctx.log`: a child of this logger bound to the request (Pattern A). */
  logger?: WritableLogger | ChildLogger;
}

export function checkLogger(logger: unknown): void {
  if (logger !== undefined && !isBindableLogger(logger)) {
    throw new TypeError(
      '@tracebridge/koa: logger must be a Winston logger (write) or a pino-style logger (child)',
    );
  }
}

/**
 * Koa middleware: `await next()` inside the request's trace context; `ctx.req`/`ctx.res`
 * bound (Koa ends the response after the middleware chain settled, outside every context,
 * so `finish`/`close` listeners would otherwise see none); the context on
 * `ctx.state.traceContext`; given a `logger`, `ctx.log` bound to the request. Errors reach
 * Koa's own error handling untouched. Works alongside `new Koa({ asyncLocalStorage: true })`.
 *
 * @example
 * import Koa from 'koa';
 * import { traceContext } from '@tracebridge/koa';
 *
 * const app = new Koa();
 * app.use(traceContext({ logger }));
 * app.use((ctx) => {
 *   ctx.log.info('hello'); // carries this request's trace id
 *   ctx.body = 'ok';
 * });
 */
export function traceContext(options: TraceContextOptions = {}) {
  return contextMiddleware(options, undefined);
}

/** traceContext, optionally with a request log in the same lifecycle (one middleware, one
 * lifecycle start and one context entry per request: what tracing() mounts). */
export function contextMiddleware(
  options: TraceContextOptions,
  requestLog: KoaRequestLog | undefined,
) {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('@tracebridge/koa: options must be an object');
  const { logger, ...lifecycleOptions } = options;
  checkLogger(logger);
  const lifecycle = createRequestLifecycle(
    requestLog === undefined
      ? lifecycleOptions
      : { ...lifecycleOptions, onDone: requestLog.onDone },
  );
  const errors = requestLog?.errors;
  // Runs in the request's context: one function per middleware, no closure per request.
  const enter = (context: TraceContext, ctx: KoaContextLike, next: KoaNext): Promise<unknown> => {
    rememberContext(ctx);
    ctx.state.traceContext = context;
    if (logger !== undefined) ctx.log = bindLogger(logger, context);
    return downstream(ctx, next, errors);
  };
  return function tracebridgeTraceContext(ctx: KoaContextLike, next: KoaNext): Promise<unknown> {
    return lifecycle.run(ctx.req, ctx.res, enter, ctx, next);
  };
}
