import './types.js';

export type { Register, RequestLog } from '@tracebridge/core';
export {
  type ExpressRequest,
  type ExpressTracingOptions,
  type TracingMiddleware,
  tracing,
} from './tracing.js';
