import './types.js';

export { type ErrorLoggerOptions, errorLogger } from './error-logger.js';
export { expressRoute, type RequestLoggerOptions, requestLogger } from './request-logger.js';
export { type TraceContextOptions, traceContext } from './trace-context.js';
export { type TracingOptions, tracing } from './tracing.js';
