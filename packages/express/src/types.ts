import type { RequestLog, TraceContext } from '@tracebridge/core';

declare global {
  // Express's request type is merged from this global namespace (as @types/express does).
  namespace Express {
    interface Request {
      /** The request's trace context, set by tracing(). */
      traceContext: TraceContext;
      /** Your logger, bound to this request (set by tracing({ logger })). Its type: see
       * `Register` in @tracebridge/core. */
      log: RequestLog;
    }
  }
}
