import type { RequestLog, TraceContext } from '@tracebridge/core';
// Loads Koa's types (@types/koa), which the augmentation below adds to.
import type {} from 'koa';

// With @types/koa: ctx.log and ctx.state.traceContext are typed on every Koa context.
declare module 'koa' {
  interface DefaultContext {
    /** Your logger, bound to this request (set by tracing({ logger })). Its type: see
     * `Register` in @tracebridge/core. */
    log: RequestLog;
  }
  interface DefaultState {
    /** The request's trace context, set by tracing(). */
    traceContext: TraceContext;
  }
}
