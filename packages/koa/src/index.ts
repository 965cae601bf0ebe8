import './types.js';

export type { Register, RequestLog } from '@tracebridge/core';
export type { KoaContextLike } from './koa-context.js';
export { type KoaTracingOptions, tracing } from './tracing.js';
