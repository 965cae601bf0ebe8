import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createRequestLifecycle,
  type RequestLifecycleOptions,
  run,
  type TraceContext,
} from '@tracebridge/core';

/** Options of {@link traceContext}: those of core's request lifecycle. */
export type TraceContextOptions = Omit<RequestLifecycleOptions, 'onDone'>;

/** The part of Koa's context this middleware uses. */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  state: Record<string, unknown> & { traceContext?: TraceContext };
}

/**
 * Koa middleware: `await next()` inside the request's trace context, `ctx.req`/`ctx.res`
 * bound (Koa ends the response outside any middleware, so `finish`/`close` listeners
 * would otherwise see no context), and the context on `ctx.state.traceContext`. Errors
 * reach Koa's own error handling untouched.
 *
 * @example
 * import Koa from 'koa';
 * import { traceContext } from '@tracebridge/koa';
 *
 * const app = new Koa();
 * app.use(traceContext());
 */
export function traceContext(options: TraceContextOptions = {}) {
  const lifecycle = createRequestLifecycle(options);
  return function tracebridgeTraceContext(
    ctx: KoaContextLike,
    next: () => Promise<unknown>,
  ): Promise<unknown> {
    const context = lifecycle.start(ctx.req, ctx.res);
    ctx.state.traceContext = context;
    return run(context, next);
  };
}
