export { CAPTURED_CONTEXT, capturedContext, OTEL_WINSTON_CONTEXT } from '../log-capture.js';
export {
  bindLogger,
  type ChildLogger,
  captureOnWrite,
  isBindableLogger,
  type WritableLogger,
} from './capture.js';
export { type CreateLoggerOptions, createLogger } from './create-logger.js';
export {
  type TraceFormat,
  type TraceFormatOptions,
  type TraceFormatPreset,
  traceFormat,
} from './format.js';
