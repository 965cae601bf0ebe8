import type { TraceContext } from '@tracebridge/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace context, set by the tracing plugin. */
    traceContext: TraceContext;
  }
}
