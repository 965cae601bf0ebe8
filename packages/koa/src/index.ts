export type { KoaContextLike, TraceState } from './koa-context.js';
export { type RequestLoggerOptions, requestLogger } from './request-logger.js';
export { type TraceContextOptions, traceContext } from './trace-context.js';
export { type TracingOptions, tracing } from './tracing.js';
