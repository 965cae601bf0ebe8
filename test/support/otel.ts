import { context, propagation, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The real OTel SDK, traces and logs, with in-memory exporters and explicit processors. */
export function installOtelSdk() {
  const spans = new InMemorySpanExporter();
  const logRecords = new InMemoryLogRecordExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logRecords })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  logs.setGlobalLoggerProvider(loggerProvider);
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
      logs.disable();
    },
  };
}
