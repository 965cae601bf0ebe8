import {
  createTracing,
  recordRequestError,
  run,
  type TraceContext,
  type TracingOptions,
} from '@tracebridge/core';
import type Koa from 'koa';
import {
  type KoaContextLike,
  type KoaNext,
  koaContextOf,
  koaErrorStatus,
  koaRoute,
  rememberContext,
} from './koa-context.js';

/** Options of {@link tracing}: core's tracing options; hooks get Koa's `ctx`. */
export type KoaTracingOptions = TracingOptions<Koa.Context>;

/**
 * Koa middleware: `await next()` inside the request's trace context (active OTel server span
 * → incoming `traceparent` → new ids); `ctx.req`/`ctx.res` bound (Koa ends the response
 * after the middleware chain settled, outside every context, so `finish`/`close` listeners
 * would otherwise see none); the context on `ctx.state.traceContext`; given a `logger`,
 * `ctx.log` — your logger, bound to the request — one request line per request with
 * OpenTelemetry's HTTP field names, exactly once, and an error line for an error that fails
 * the request. Koa's own error handling — `app.on('error')` listeners included — runs in the
 * request's context, so a plain `logger.error()` there has its ids. Works alongside
 * `new Koa({ asyncLocalStorage: true })`. Options are checked now: a mistake is a
 * `TypeError`. Mount it first: an error a middleware before it catches never reaches it.
 *
 * @example
 * app.use(tracing({ logger, traceResponse: true }));
 * app.use((ctx) => {
 *   ctx.log.info('hello'); // this request's trace id, however late
 *   ctx.body = 'ok';
 * });
 */
export function tracing(options?: KoaTracingOptions): Koa.Middleware {
  const { lifecycle, bindLog, logError } = createTracing(options, {
    pkg: '@tracebridge/koa',
    subject: (req) => koaContextOf(req) as unknown as Koa.Context,
    route: (req) => koaRoute(req),
  });
  // Koa may report one error more than once (a streamed body's, both from the stream and
  // from the pipe into the response): core writes one error line per error and request.
  const log = (ctx: KoaContextLike, error: unknown): void => {
    if (logError === undefined) {
      recordRequestError(ctx.req, error);
      return;
    }
    // After the response head went out, Koa sends nothing more: the status is the one sent.
    const statusCode = ctx.res.headersSent ? ctx.res.statusCode : koaErrorStatus(error);
    logError(error, ctx.req, { route: koaRoute(ctx.req), statusCode });
  };
  // Koa hands every error that fails a request — thrown downstream, or a streamed body's
  // after the chain settled — to `ctx.onerror`, called as a method of the request's context.
  // An own `onerror` writes the error line, then runs Koa's (the app's) inside the request's
  // context: Koa calls it from outside every middleware, where `app.on('error')` listeners
  // would see no context. No prototype is touched.
  const onerror = function tracebridgeOnError(this: KoaContextLike, error: unknown): unknown {
    if (error !== null && error !== undefined) log(this, error);
    const inherited = (Object.getPrototypeOf(this) as { onerror?: unknown } | null)?.onerror;
    if (typeof inherited !== 'function') return undefined;
    const context = this.state?.traceContext as TraceContext | undefined;
    return run(context, () => inherited.call(this, error));
  };
  const enter = (context: TraceContext, ctx: KoaContextLike, next: KoaNext): Promise<unknown> => {
    ctx.state.traceContext = context;
    if (bindLog !== undefined) ctx.log = bindLog(context);
    return downstream(ctx, next, onerror, log);
  };
  return function tracebridge(koaCtx: Koa.Context, next: KoaNext): Promise<unknown> {
    const ctx = koaCtx as unknown as KoaContextLike;
    rememberContext(ctx);
    return lifecycle.enter(ctx.req, ctx.res, enter, ctx, next);
  };
}

/**
 * `next()`, with the request's own `onerror` in place. A context whose `onerror` someone
 * already replaced for this request, or a chain run without Koa, is watched through its
 * promise instead: the error is logged and thrown on.
 */
function downstream(
  ctx: KoaContextLike,
  next: KoaNext,
  onerror: (this: KoaContextLike, error: unknown) => unknown,
  log: (ctx: KoaContextLike, error: unknown) => void,
): Promise<unknown> {
  const handler = (ctx as { onerror?: unknown }).onerror;
  if (typeof handler === 'function' && !Object.hasOwn(ctx, 'onerror')) {
    (ctx as { onerror?: unknown }).onerror = onerror;
    return next();
  }
  const fail = (error: unknown): never => {
    log(ctx, error);
    throw error;
  };
  let chain: Promise<unknown>;
  try {
    chain = next();
  } catch (error) {
    return fail(error);
  }
  return chain.then(undefined, fail);
}
