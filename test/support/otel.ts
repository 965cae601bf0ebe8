import * as api from '@opentelemetry/api';
import * as apiLogs from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import * as sdkLogs from '@opentelemetry/sdk-logs';
import * as sdkTrace from '@opentelemetry/sdk-trace-base';

const { context, propagation, trace } = api;

// The vitest project for OpenTelemetry JS 3.x aliases these imports to the 3.x packages:
// BasicTracerProvider is TracerProvider there, processors take an options object, and the
// Logs API lives in @opentelemetry/api itself.
type AnyCtor = new (...args: unknown[]) => unknown;
const sdk3 = 'TracerProvider' in sdkTrace;
const TracerProvider = ((sdkTrace as unknown as Record<string, AnyCtor>).TracerProvider ??
  sdkTrace.BasicTracerProvider) as unknown as typeof sdkTrace.BasicTracerProvider;
const logsApis = [apiLogs.logs, (api as unknown as { logs?: typeof apiLogs.logs }).logs].filter(
  (x): x is typeof apiLogs.logs => x !== undefined,
);

/** The OpenTelemetry SDK line these tests run against. */
export const otelSdkMajor = sdk3 ? 3 : 2;

/** The real OTel SDK, traces and logs, with in-memory exporters and explicit processors. */
export function installOtelSdk() {
  const spans = new sdkTrace.InMemorySpanExporter();
  const logRecords = new sdkLogs.InMemoryLogRecordExporter();
  const spanProcessor = sdk3
    ? new sdkTrace.SimpleSpanProcessor({ exporter: spans } as unknown as sdkTrace.SpanExporter)
    : new sdkTrace.SimpleSpanProcessor(spans);
  const tracerProvider = new TracerProvider({ spanProcessors: [spanProcessor] });
  const loggerProvider = new sdkLogs.LoggerProvider({
    processors: [new sdkLogs.SimpleLogRecordProcessor({ exporter: logRecords })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // @opentelemetry/winston-transport 0.34 reads the provider from @opentelemetry/api-logs;
  // on the 3.x line the SDK's home is @opentelemetry/api: register with both.
  for (const logs of logsApis)
    logs.setGlobalLoggerProvider(loggerProvider as unknown as apiLogs.LoggerProvider);
  return {
    spans,
    logRecords,
    tracer: trace.getTracer('tracebridge-e2e'),
    async uninstall() {
      // In-memory exporters forget on shutdown: callers read them first.
      await tracerProvider.shutdown();
      await loggerProvider.shutdown();
      contextManager.disable();
      trace.disable();
      context.disable();
      propagation.disable();
      for (const logs of logsApis) logs.disable();
    },
  };
}
