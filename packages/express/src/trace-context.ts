import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createRequestLifecycle,
  type RequestLifecycleOptions,
  run,
  type TraceContext,
} from '@tracebridge/core';

/** Options of {@link traceContext}: those of core's request lifecycle. */
export type TraceContextOptions = Omit<RequestLifecycleOptions, 'onDone'>;

type Next = (error?: unknown) => void;
type RequestWithContext = IncomingMessage & { traceContext?: TraceContext };

/**
 * Express middleware: runs the rest of the chain in the request's trace context (active
 * OTel server span → incoming `traceparent` → new ids), binds `req` and `res` so listeners
 * added later by any middleware log this request's ids, and sets `req.traceContext`.
 *
 * @example
 * import express from 'express';
 * import { traceContext } from '@tracebridge/express';
 *
 * const app = express();
 * app.use(traceContext({ traceResponse: true }));
 */
export function traceContext(options: TraceContextOptions = {}) {
  const lifecycle = createRequestLifecycle(options);
  return function tracebridgeTraceContext(
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
  ): void {
    const ctx = lifecycle.start(req, res);
    (req as RequestWithContext).traceContext = ctx;
    run(ctx, next);
  };
}
