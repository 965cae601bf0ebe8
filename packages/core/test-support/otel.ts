import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import * as sdk from '@opentelemetry/sdk-trace-base';

// SDK 2.x names it BasicTracerProvider; 3.x (@opentelemetry/sdk-trace, aliased here by the
// vitest project for that line) names it TracerProvider.
const Provider =
  (sdk as unknown as { TracerProvider?: typeof sdk.BasicTracerProvider }).TracerProvider ??
  sdk.BasicTracerProvider;

/** The OpenTelemetry SDK line the tests run against (2 or 3). */
export const otelSdkMajor = 'TracerProvider' in sdk ? 3 : 2;

/** Registers the real OTel SDK (ALS context manager, in-memory exporter) for one test file. */
export function installOtel(options: { propagator?: boolean } = {}) {
  const exporter = new sdk.InMemorySpanExporter();
  // 3.x takes the exporter in an options object.
  const processor =
    otelSdkMajor === 3
      ? new sdk.SimpleSpanProcessor({ exporter } as unknown as sdk.SpanExporter)
      : new sdk.SimpleSpanProcessor(exporter);
  const provider = new Provider({ spanProcessors: [processor] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  if (options.propagator) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    exporter,
    tracer: trace.getTracer('tracebridge-test'),
    async uninstall() {
      await provider.shutdown();
      contextManager.disable();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
