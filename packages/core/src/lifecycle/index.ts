import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceContext } from '../context.js';
import { run } from '../current.js';
import { scopeForNew } from '../scope.js';
import { formatTraceParent } from '../w3c/traceparent.js';
import { contextFromRequest } from './context-from-request.js';
import { type RequestLifecycleOptions, resolveOptions } from './options.js';
import { notify, type RequestState, stateOf, track } from './state.js';

export { createErrorLog, type ErrorLogExtra, type ErrorLogOptions } from './error-log.js';
export type { RequestIdOptions, RequestLifecycleOptions } from './options.js';
export {
  createRequestLog,
  type LevelOption,
  levelForStatus,
  type RequestLogger,
  type RequestLogOptions,
} from './request-log.js';
export type { RequestDone } from './state.js';
export { recordRequestError, requestContext } from './state.js';

/** A configured request lifecycle: see {@link createRequestLifecycle}. */
export interface RequestLifecycle {
  /**
   * Starts (or joins) the request's context: ids, response headers, `req`/`res` bound,
   * done-tracking. Calling it again for the same request — from a second middleware —
   * returns the same context and adds this lifecycle's `onDone`.
   */
  start(req: IncomingMessage, res: ServerResponse): TraceContext;
  /** `start`, then runs `fn` (the rest of the chain) in the request's context. */
  handle<R>(req: IncomingMessage, res: ServerResponse, fn: () => R): R;
  /**
   * `start`, then calls `fn(context, ...args)` in the request's context and returns what it
   * returns: for a middleware that needs the context before it calls the rest of the chain.
   * A request started here enters its context once (the scope its late listeners re-enter),
   * where `start` and then `run(context, fn)` take two entries.
   *
   * @example
   * const middleware = (ctx, next) =>
   *   lifecycle.run(ctx.req, ctx.res, (context, ctx, next) => {
   *     ctx.state.traceId = context.traceId;
   *     return next();
   *   }, ctx, next);
   */
  run<A extends unknown[], R>(
    req: IncomingMessage,
    res: ServerResponse,
    fn: (context: TraceContext, ...args: A) => R,
    ...args: A
  ): R;
}

/**
 * The framework-neutral request lifecycle that the Express and Koa adapters wrap, for plain
 * `node:http` (or any framework exposing Node's `req`/`res`): one context per request,
 * `req` and `res` bound to it so that late listeners log the right ids, optional
 * `traceresponse`/request-id headers, and `onDone` exactly once per request.
 *
 * @example
 * const lifecycle = createRequestLifecycle({
 *   requestId: true,
 *   onDone: ({ context, statusCode, durationMs, aborted }) =>
 *     logger.info('request', { statusCode, durationMs, aborted }),
 * });
 * http.createServer((req, res) => lifecycle.handle(req, res, () => app(req, res)));
 */
export function createRequestLifecycle(options: RequestLifecycleOptions = {}): RequestLifecycle {
  const resolved = resolveOptions(options);
  let reported = false;
  // A throwing hook must never break a response; say so once, not once per request.
  const report = (error: unknown): void => {
    if (reported) return;
    reported = true;
    process.emitWarning(
      `@tracebridge/core: a request lifecycle hook threw (${describeError(error)}); ` +
        'the request went on without it. Later failures of this lifecycle are not reported.',
      { code: 'TRACEBRIDGE_HOOK_FAILED' },
    );
  };

  /** A new request's state: its context, the scope that context was entered in, tracking. */
  function open(req: IncomingMessage, res: ServerResponse): RequestState {
    const context = contextFromRequest(req, resolved, report);
    const state = track(req, res, context, scopeForNew(context), report);
    if (resolved.onDone !== undefined) state.callbacks.push(resolved.onDone);
    setHeaders(res, context);
    return state;
  }

  function start(req: IncomingMessage, res: ServerResponse): TraceContext {
    checkPair(req, res);
    const existing = stateOf(req);
    return existing !== undefined ? join(existing) : open(req, res).context;
  }

  function runIn<A extends unknown[], R>(
    req: IncomingMessage,
    res: ServerResponse,
    fn: (...args: A) => R,
    withContext: boolean,
    args: unknown[],
  ): R {
    if (typeof fn !== 'function') {
      throw new TypeError(
        `@tracebridge/core: a request lifecycle runs a function, got ${typeof fn}`,
      );
    }
    checkPair(req, res);
    const existing = stateOf(req);
    if (existing !== undefined) {
      // Joined from a later middleware: the store and the OTel context are entered again on
      // top of whatever that middleware runs in (the first one's scope is older).
      const context = join(existing);
      return run(context, fn, ...((withContext ? [context, ...args] : args) as A));
    }
    // Started here: the scope was captured a moment ago, in this very context, with the
    // request's context entered — running in it is one entry instead of a second.
    const state = open(req, res);
    return state.scope.run(fn, undefined, (withContext ? [state.context, ...args] : args) as A);
  }

  function join(state: RequestState): TraceContext {
    // The first lifecycle chose the context; this one's response headers still apply.
    setHeaders(state.res, state.context);
    if (resolved.onDone !== undefined) {
      state.callbacks.push(resolved.onDone);
      // Joined after the request was already done: report it now, still exactly once.
      if (state.result !== undefined) notify(state, resolved.onDone, report);
    }
    return state.context;
  }

  function setHeaders(res: ServerResponse, context: TraceContext): void {
    if (res.headersSent) return;
    if (resolved.traceResponse) {
      res.setHeader(
        'traceresponse',
        formatTraceParent({
          traceId: context.traceId,
          spanId: context.spanId,
          traceFlags: context.traceFlags & 0x03,
        }),
      );
    }
    const header = resolved.requestId?.responseHeader;
    if (header !== undefined && context.requestId !== undefined)
      res.setHeader(header, context.requestId);
  }

  return {
    start,
    handle<R>(req: IncomingMessage, res: ServerResponse, fn: () => R): R {
      return runIn(req, res, fn, false, []);
    },
    run<A extends unknown[], R>(
      req: IncomingMessage,
      res: ServerResponse,
      fn: (context: TraceContext, ...args: A) => R,
      ...args: A
    ): R {
      return runIn(req, res, fn as (...a: unknown[]) => R, true, args);
    },
  };
}

function checkPair(req: IncomingMessage, res: ServerResponse): void {
  if (
    typeof req !== 'object' ||
    req === null ||
    typeof res !== 'object' ||
    res === null ||
    typeof (res as { setHeader?: unknown }).setHeader !== 'function' ||
    typeof (req as { on?: unknown }).on !== 'function'
  ) {
    throw new TypeError(
      '@tracebridge/core: a request lifecycle needs the Node.js (req, res) pair of a request',
    );
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
