import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceContext } from '../context.js';
import { run } from '../current.js';
import { createScope } from '../scope.js';
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

  function start(req: IncomingMessage, res: ServerResponse): TraceContext {
    checkPair(req, res);
    const existing = stateOf(req);
    if (existing !== undefined) return join(existing);
    const context = contextFromRequest(req, resolved, report);
    const scope = createScope(context);
    const state = track(req, res, context, scope, report);
    if (resolved.onDone !== undefined) state.callbacks.push(resolved.onDone);
    setHeaders(res, context);
    return context;
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
      return run(start(req, res), fn);
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
