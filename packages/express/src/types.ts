import type { TraceContext } from '@tracebridge/core';

declare global {
  // Express's request type is merged from this global namespace (as @types/express does).
  namespace Express {
    interface Request {
      /** The request's trace context, set by traceContext(). */
      traceContext?: TraceContext;
      /** A logger bound to this request, set by traceContext({ logger }). */
      // biome-ignore lint/suspicious/noExplicitAny: the user's own logger type.
      log?: any;
    }
  }
}
