import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** Options of {@link traceContext}: core's request lifecycle, and a logger for `req.log`. */
export interface TraceContextOptions extends Omit<RequestLifecycleOptions, 'onDone'> {
  /** Gives each request `req.log`: a child of this logger bound to the request (Pattern A). */
  logger?: WritableLogger | ChildLogger;
}

type Next = (error?: unknown) => void;
type RequestWithContext = IncomingMessage & { traceContext?: TraceContext; log?: unknown };

export function checkLogger(logger: unknown): void {
  if (logger !== undefined && !isBindableLogger(logger)) {
    throw new TypeError(
      '@tracebridge/express: logger must be a Winston logger (write) or a pino-style logger (child)',
    );
  }
}

/**
 * Express middleware: runs the rest of the chain in the request's trace context (active
 * OTel server span → incoming `traceparent` → new ids), binds `req` and `res` so listeners
 * added later by any middleware log this request's ids, sets `req.traceContext`, and —
 * given a `logger` — `req.log`, a logger bound to the request, right in any callback.
 *
 * @example
 * import express from 'express';
 * import { traceContext } from '@tracebridge/express';
 *
 * const app = express();
 * app.use(traceContext({ logger, traceResponse: true }));
 * app.get('/', (req, res) => {
 *   req.log.info('hello'); // carries this request's trace id
 *   res.send('ok');
 * });
 */
export function traceContext(options: TraceContextOptions = {}) {
  return contextMiddleware(options, undefined);
}

/** traceContext, optionally with the request line's writer in the same lifecycle (one
 * middleware, one start per request: what tracing() mounts). */
export function contextMiddleware(
  options: TraceContextOptions,
  onDone: RequestLifecycleOptions['onDone'],
) {
  const { logger, ...lifecycleOptions } = options;
  checkLogger(logger);
  const lifecycle = createRequestLifecycle(
    onDone === undefined ? lifecycleOptions : { ...lifecycleOptions, onDone },
  );
  // Runs in the request's context: one function per middleware, no closure per request.
  const enter = (ctx: TraceContext, req: RequestWithContext, next: Next): void => {
    req.traceContext = ctx;
    if (logger !== undefined) req.log = bindLogger(logger, ctx);
    next();
  };
  return function tracebridgeTraceContext(
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
  ): void {
    lifecycle.run(req, res, enter, req, next);
  };
}
