import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createTracing,
  recordRequestError,
  type TraceContext,
  type TracingOptions,
} from '@tracebridge/core';
import { expressClientAddress, expressErrorStatus, expressRoute } from './express-request.js';

/** Express's request, as the options' hooks get it (`req.res` is its response). */
export type ExpressRequest = IncomingMessage & {
  originalUrl?: string;
  res?: ServerResponse;
  traceContext?: TraceContext;
  log?: unknown;
};

/** Options of {@link tracing}: core's tracing options; hooks get Express's `req`. */
export type ExpressTracingOptions = TracingOptions<ExpressRequest>;

type Next = (error?: unknown) => void;

/** What {@link tracing} returns: a middleware, with the error middleware that goes with it. */
export interface TracingMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /**
   * Express error middleware for after your routes: logs the error with the request's ids
   * (`errorLog`), marks the request failed so that its request line has `error.type`, and
   * passes the error on with `next(err)`. Express tells error middleware by its four
   * parameters, so it mounts apart: `app.use(trace.errors)`.
   */
  readonly errors: (error: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void;
}

/**
 * Express middleware: runs the rest of the chain in the request's trace context (active
 * OTel server span → incoming `traceparent` → new ids); binds `req` and `res`, so that
 * listeners added later by any middleware log this request's ids; sets `req.traceContext`
 * and, given a `logger`, `req.log` — your logger, bound to the request, right in any
 * callback — and writes one request line per request with OpenTelemetry's HTTP field names,
 * exactly once, aborted requests included. Mount `.errors` after your routes for error
 * lines. Options are checked now: a mistake is a `TypeError`.
 *
 * @example
 * const trace = tracing({ logger, traceResponse: true });
 * app.use(trace);
 * app.get('/', (req, res) => {
 *   req.log.info('hello'); // this request's trace id, however late
 *   res.send('ok');
 * });
 * app.use(trace.errors);
 */
export function tracing(options?: ExpressTracingOptions): TracingMiddleware {
  const { lifecycle, bindLog, logError } = createTracing(options, {
    pkg: '@tracebridge/express',
    subject: (req) => req as ExpressRequest,
    route: expressRoute,
    clientAddress: expressClientAddress,
  });
  // Runs in the request's context: one function per middleware, no closure per request.
  const enter = (context: TraceContext, req: ExpressRequest, next: Next): void => {
    req.traceContext = context;
    if (bindLog !== undefined) req.log = bindLog(context);
    next();
  };
  const middleware = function tracebridge(req: IncomingMessage, res: ServerResponse, next: Next) {
    lifecycle.enter(req, res, enter, req as ExpressRequest, next);
  };
  const errors = function tracebridgeErrors(
    error: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
  ): void {
    if (logError === undefined) recordRequestError(req, error);
    else {
      const statusCode = res.headersSent ? res.statusCode : expressErrorStatus(error);
      logError(error, req, { route: expressRoute(req), statusCode });
    }
    next(error);
  };
  return Object.assign(middleware, { errors });
}
