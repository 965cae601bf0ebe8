export { type TraceContextOptions, traceContext } from './trace-context.js';
