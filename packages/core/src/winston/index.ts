export {
  bindLogger,
  CAPTURED_CONTEXT,
  capturedContext,
  captureOnWrite,
  OTEL_WINSTON_CONTEXT,
  type WritableLogger,
} from './capture.js';
export { type CreateLoggerOptions, createLogger } from './create-logger.js';
export {
  type TraceFormat,
  type TraceFormatOptions,
  type TraceFormatPreset,
  traceFormat,
} from './format.js';
