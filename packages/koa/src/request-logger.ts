import {
  createErrorLog,
  createRequestLifecycle,
  createRequestLog,
  type ErrorLogOptions,
  type RequestDone,
  type RequestLogOptions,
  type TraceContext,
} from '@tracebridge/core';
import {
  type KoaContextLike,
  type KoaNext,
  koaErrorStatus,
  koaResponse,
  koaRoute,
  rememberContext,
} from './koa-context.js';

/** Options of {@link requestLogger}: core's request log (the route comes from @koa/router),
 * and how errors thrown downstream are logged. */
export interface RequestLoggerOptions extends Omit<RequestLogOptions, 'route'> {
  /** Options of the error line; `false` logs no error line. Default: the same logger, level
   * `error` for a 5xx and `warn` for a 4xx. */
  errors?: Partial<ErrorLogOptions> | false;
}

/**
 * Koa middleware: one log line per request, exactly once, after the response is really
 * finished (or aborted), with the same OpenTelemetry semantic-convention fields and options
 * as the Express adapter; `http.route` from @koa/router's matched route. An error that
 * fails the request — thrown downstream, or a streamed body's — is logged with the request's
 * ids, the status Koa sends, `exception.type`, message and stack, as Koa's error handling
 * takes it over: Koa still answers it and `app.on('error')` still hears of it. (An error a
 * middleware upstream catches never reaches Koa's handling: mount tracebridge first.) Mount
 * it right after traceContext (it starts the request context itself when traceContext is
 * not used).
 *
 * @example
 * app.use(traceContext({ logger }));
 * app.use(requestLogger({ logger }));
 * app.use(router.routes());
 */
export function requestLogger(options: RequestLoggerOptions) {
  const { onDone, errors } = koaRequestLog(options);
  const lifecycle = createRequestLifecycle({ onDone });
  const enter = (_context: TraceContext, ctx: KoaContextLike, next: KoaNext): Promise<unknown> => {
    rememberContext(ctx);
    return downstream(ctx, next, errors);
  };
  return function tracebridgeRequestLogger(ctx: KoaContextLike, next: KoaNext): Promise<unknown> {
    return lifecycle.run(ctx.req, ctx.res, enter, ctx, next);
  };
}

/** What a request log needs from the middleware that mounts it: the lifecycle's `onDone`,
 * and how errors are logged (undefined: `errors: false`). */
export interface KoaRequestLog {
  onDone: (done: RequestDone) => void;
  errors: KoaErrorLog | undefined;
}

/** The error line of one request log, and the `ctx.onerror` that writes it. */
export interface KoaErrorLog {
  /** Writes the error line for `ctx` (never throws). */
  log: (ctx: KoaContextLike, error: unknown) => void;
  /** Goes on `ctx` as its own `onerror`: the error line, then Koa's own error handling. */
  onerror: (this: KoaContextLike, error: unknown) => unknown;
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** The request line's writer and the error line's handler, options checked now. */
export function koaRequestLog(options: RequestLoggerOptions): KoaRequestLog {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('@tracebridge/koa: request log options must be an object');
  const { errors = {}, ...logOptions } = options;
  if (errors !== false && (typeof errors !== 'object' || errors === null))
    throw new TypeError('@tracebridge/koa: errors must be error-log options or false');
  const onDone = createRequestLog({ ...logOptions, route: (req) => koaRoute(req) });
  if (errors === false) return { onDone, errors: undefined };
  const errorOptions: ErrorLogOptions = {
    logger: logOptions.logger,
    level: (_error, status) => (status !== undefined && status < 500 ? 'warn' : 'error'),
  };
  // The request line's extra fields go on the error line too.
  const fields = logOptions.fields;
  if (fields !== undefined) errorOptions.fields = (_error, req) => fields(req, koaResponse(req));
  const logError = createErrorLog({ ...errorOptions, ...errors });
  // Koa may report one error more than once (a streamed body's, both from the stream and from
  // the pipe into the response): one error line each, per request log.
  const logged = new WeakSet<object>();
  const log = (ctx: KoaContextLike, error: unknown): void => {
    try {
      if (isObject(error)) {
        if (logged.has(error)) return;
        logged.add(error);
      }
      // After the response head went out, Koa sends nothing more: the status is the one sent.
      const statusCode = ctx.res.headersSent ? ctx.res.statusCode : koaErrorStatus(error);
      logError(error, ctx.req, { route: koaRoute(ctx.req), statusCode });
    } catch {
      // Logging must never stand between the error and Koa's handling of it.
    }
  };
  // One function per middleware, not per request: Koa calls it as a method of the request's
  // context (`ctx.onerror(err)`), so `this` is the context.
  const onerror = function tracebridgeKoaOnError(this: KoaContextLike, error: unknown): unknown {
    if (error !== null && error !== undefined) log(this, error);
    const proto: unknown =
      typeof this === 'object' && this !== null ? Object.getPrototypeOf(this) : undefined;
    const inherited = (proto as { onerror?: unknown } | null | undefined)?.onerror;
    return typeof inherited === 'function' ? inherited.call(this, error) : undefined;
  };
  return { onDone, errors: { log, onerror } };
}

/**
 * `next()`, called in the request's context, errors thrown downstream logged. Koa hands
 * every error that fails a request — thrown downstream, synchronously or not, or a streamed
 * body's — to `ctx.onerror`: an own `onerror` on the request's context writes the error line
 * and then calls the app's (no prototype touched). Watching the chain's promise would miss
 * a streamed body's error, which Koa reports after the middleware chain settled. A context
 * whose `onerror` someone already replaced for this request, or a chain run without Koa, is
 * watched through its promise instead: the error is logged and thrown on.
 */
export function downstream(
  ctx: KoaContextLike,
  next: KoaNext,
  errors: KoaErrorLog | undefined,
): Promise<unknown> {
  if (errors === undefined) return next();
  const handler = (ctx as { onerror?: unknown }).onerror;
  if (typeof handler === 'function' && !Object.hasOwn(ctx, 'onerror')) {
    (ctx as { onerror?: unknown }).onerror = errors.onerror;
    return next();
  }
  const fail = (error: unknown): never => {
    errors.log(ctx, error);
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
