import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceContext } from '../context.js';
import { run } from '../current.js';
import { markRequest } from '../otel.js';
import { scopeForNew } from '../scope.js';
import { warnOnce } from '../warn.js';
import { bindRequest, bindResponse } from './binding.js';
import { contextFromRequest } from './context-from-request.js';
import { attachState, endWithSocket, RequestState, stateOf } from './done.js';
import { beforeHead } from './head.js';
import { type RequestLifecycleOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { addTraceMetric, setStartHeaders } from './response-headers.js';
import { startTiming } from './timing.js';

export type { RequestDone } from './done.js';
export { recordRequestError, requestContext } from './done.js';
export {
  createErrorLog,
  type ErrorLogExtra,
  type ErrorLogOptions,
  levelForFailure,
  type RequestFailure,
} from './error-log.js';
export type { RequestIdOptions, RequestLifecycleOptions } from './options.js';
export {
  createRequestLog,
  type Fail,
  type LevelOption,
  levelForStatus,
  type RequestLogger,
  type RequestLogOptions,
  targetFor,
} from './request-log.js';

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
   *
   * @example
   * const middleware = (ctx, next) =>
   *   lifecycle.enter(ctx.req, ctx.res, (context, ctx, next) => {
   *     ctx.state.traceId = context.traceId;
   *     return next();
   *   }, ctx, next);
   */
  enter<A extends unknown[], R>(
    req: IncomingMessage,
    res: ServerResponse,
    fn: (context: TraceContext, ...args: A) => R,
    ...args: A
  ): R;
}

/**
 * The framework-neutral request lifecycle that the Express and Koa adapters wrap, for plain
 * `node:http` (or any framework exposing Node's `req`/`res`): one context per request,
 * `req` and `res` bound to it so that late listeners log the right ids, optionally the
 * trace on the response (Server-Timing) and a request-id header, and `onDone` exactly once
 * per request.
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
  return lifecycleWith(resolveOptions(options));
}

/** What an adapter's lifecycle adds: its `onDone` writes the request line, under `pkg`. */
export interface RequestLineOwner {
  readonly pkg: string;
}

/**
 * A request lifecycle for options checked already. With `lines`, its `onDone` writes the
 * request line: a request that another such lifecycle started keeps that one's line only,
 * and the second mount is reported once.
 */
export function lifecycleWith(
  resolved: ResolvedOptions,
  lines?: RequestLineOwner,
): RequestLifecycle {
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

  /** A new request: its context, the scope it runs in, done-tracking, headers. */
  function open(req: IncomingMessage, res: ServerResponse): RequestState {
    const context = contextFromRequest(req, resolved, report);
    // Spans started inside the request carry the mark: req.log names them (boundContext).
    markRequest(context);
    const timing = startTiming(res);
    const state = new RequestState(context, scopeForNew(context), req, res, timing, report);
    attachState(state);
    if (resolved.onDone !== undefined) state.callbacks.push(resolved.onDone);
    state.requestLine = lines !== undefined;
    endWithSocket(state);
    bindRequest(req, state);
    bindResponse(res, state);
    setStartHeaders(res, context, resolved);
    state.traceMetric = resolved.traceResponse === 'server-timing';
    beforeHead(res, (args) => {
      timing.headNow();
      if (state.traceMetric) addTraceMetric(res, context, args);
    });
    return state;
  }

  /** A request another lifecycle started: its context, with this one's headers and onDone. */
  function join(state: RequestState): TraceContext {
    setStartHeaders(state.res, state.context, resolved);
    if (resolved.traceResponse === 'server-timing') state.traceMetric = true;
    if (lines !== undefined && state.requestLine) {
      warnOnce(
        'TRACEBRIDGE_MOUNTED_TWICE',
        `${lines.pkg}: tracing() runs twice for the same request (mounted twice, or in two ` +
          'routers): one context and one request line per request, from the first. Mount it ' +
          'once, before the routers.',
      );
      return state.context;
    }
    if (resolved.onDone !== undefined) {
      state.callbacks.push(resolved.onDone);
      state.requestLine ||= lines !== undefined;
      // Joined after the request already ended: report it now, still exactly once.
      state.notify(resolved.onDone);
    }
    return state.context;
  }

  function start(req: IncomingMessage, res: ServerResponse): TraceContext {
    checkPair(req, res);
    const existing = stateOf(req);
    return existing !== undefined ? join(existing) : open(req, res).context;
  }

  function runIn<R>(
    req: IncomingMessage,
    res: ServerResponse,
    fn: (...args: unknown[]) => R,
    args: (context: TraceContext) => unknown[],
  ): R {
    if (typeof fn !== 'function') {
      throw new TypeError(
        `@tracebridge/core: a request lifecycle runs a function, got ${typeof fn}`,
      );
    }
    checkPair(req, res);
    const existing = stateOf(req);
    if (existing !== undefined) {
      // Joined from a later middleware: entered on top of whatever that middleware runs in.
      const context = join(existing);
      return run(context, fn, ...args(context));
    }
    const state = open(req, res);
    return state.scope.run(fn, undefined, args(state.context));
  }

  return {
    start,
    handle: (req, res, fn) => runIn(req, res, fn, () => []),
    enter: (req, res, fn, ...args) =>
      runIn(req, res, fn as (...a: unknown[]) => ReturnType<typeof fn>, (context) => [
        context,
        ...args,
      ]),
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
