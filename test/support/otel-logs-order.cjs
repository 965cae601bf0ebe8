'use strict';
// One import order for createLogger({ otelLogs: true }), in a process of its own (Node's
// module cache decides what instrumentation-winston can patch):
//   node otel-logs-order.cjs winston-first | winston-first-plain | sdk-first | by-hand
// Logs 50 records, each in a span of its own, and prints what reached the OTel Logs SDK:
// {"records": n, "matching": n, "warnings": [...]} — matching: a LogRecord with the trace
// and span ids of the span its record was written in.
const order = process.argv[2];
const warnings = [];
process.on('warning', (w) => warnings.push(w.message));

function startSdk() {
  const api = require('@opentelemetry/api');
  const { logs } = require('@opentelemetry/api-logs');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const sdkTrace = require('@opentelemetry/sdk-trace-base');
  const sdkLogs = require('@opentelemetry/sdk-logs');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(new sdkTrace.BasicTracerProvider());
  const exporter = new sdkLogs.InMemoryLogRecordExporter();
  logs.setGlobalLoggerProvider(
    new sdkLogs.LoggerProvider({
      processors: [new sdkLogs.SimpleLogRecordProcessor({ exporter })],
    }),
  );
  const { WinstonInstrumentation } = require('@opentelemetry/instrumentation-winston');
  new WinstonInstrumentation().enable(); // log sending on, as by default
  return { api, exporter };
}

let sdk;
let logger;
const { MemoryTransport } = require('./winston-memory.cjs');
if (order.startsWith('winston-first')) {
  // createLogger before the SDK starts: winston is loaded before the instrumentation.
  const { createLogger } = require('@tracebridge/core/winston');
  const otelLogs = order === 'winston-first';
  logger = createLogger({ otelLogs, transports: [new MemoryTransport()] });
  sdk = startSdk();
} else {
  sdk = startSdk();
  const { createLogger } = require('@tracebridge/core/winston');
  const transports = [new MemoryTransport()];
  if (order === 'by-hand') {
    const { OpenTelemetryTransportV3 } = require('@opentelemetry/winston-transport');
    transports.push(new OpenTelemetryTransportV3());
  }
  logger = createLogger({ otelLogs: order === 'sdk-first', transports });
}

const tracer = sdk.api.trace.getTracer('order');
const expected = [];
for (let i = 0; i < 50; i++) {
  tracer.startActiveSpan(`work ${i}`, (span) => {
    const { traceId, spanId } = span.spanContext();
    expected.push(`${traceId}/${spanId}`);
    logger.info('work', { i });
    span.end();
  });
}
setImmediate(() => {
  const records = sdk.exporter.getFinishedLogRecords();
  const got = records.map((r) => `${r.spanContext?.traceId}/${r.spanContext?.spanId}`);
  const matching = got.filter((ids) => expected.includes(ids)).length;
  console.log(JSON.stringify({ records: records.length, matching, warnings }));
});
