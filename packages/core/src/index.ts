export { bind } from './bind.js';
export {
  bindLogger,
  type ChildLogger,
  isBindableLogger,
  type WritableLogger,
} from './bind-logger.js';
export {
  childContext,
  createTraceContext,
  FLAG_RANDOM,
  FLAG_SAMPLED,
  isTraceContext,
  newTraceContext,
  type TraceContext,
  type TraceContextInit,
  withFields,
} from './context.js';
export { capture, current, run } from './current.js';
export { bindEmitter, type EmitterLike } from './emitter.js';
export { isValidSpanId, isValidTraceId, randomSpanId, randomTraceId } from './ids.js';
export {
  createErrorLog,
  createRequestLifecycle,
  createRequestLog,
  type ErrorLogExtra,
  type ErrorLogOptions,
  type LevelOption,
  levelForFailure,
  levelForStatus,
  type RequestDone,
  type RequestFailure,
  type RequestIdOptions,
  type RequestLifecycle,
  type RequestLifecycleOptions,
  type RequestLogger,
  type RequestLogOptions,
  recordRequestError,
  requestContext,
} from './lifecycle/index.js';
export { fromSpanContext, toSpanContext } from './otel.js';
export type { LoggerMethods, Register, RequestLog } from './register.js';
export type { TraceFieldsOptions, TraceFormatPreset } from './trace-fields.js';
export {
  createTracing,
  type ErrorLogSettings,
  type RequestLogSettings,
  type Tracing,
  type TracingAdapter,
  type TracingOptions,
} from './tracing.js';
export {
  extract,
  type HeaderCarrier,
  type RemoteParent,
  type TraceHeaders,
  traceFromResponse,
  traceHeaders,
} from './w3c/propagation.js';
export { formatTraceMetric, parseTraceMetric, TRACE_METRIC } from './w3c/server-timing.js';
export { formatTraceParent, parseTraceParent, type TraceParent } from './w3c/traceparent.js';
export {
  formatTraceState,
  isValidTraceState,
  parseTraceState,
  type TraceStateEntry,
} from './w3c/tracestate.js';
