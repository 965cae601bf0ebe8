export {
  bindLogger,
  type ChildLogger,
  isBindableLogger,
  type WritableLogger,
} from '../bind-logger.js';
export { CAPTURED_CONTEXT, capturedContext, OTEL_WINSTON_CONTEXT } from '../log-record.js';
export { captureOnWrite } from './capture.js';
export { type CreateLoggerOptions, createLogger } from './create-logger.js';
export {
  type TraceFormat,
  type TraceFormatOptions,
  type TraceFormatPreset,
  traceFormat,
} from './format.js';
