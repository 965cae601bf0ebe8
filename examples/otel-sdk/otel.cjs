'use strict';
// OpenTelemetry for a Node.js service, traces and logs, with the HTTP, Express and Koa
// instrumentations. Preload it so the instrumentations see http, express and koa load:
//
//   node --require ./otel.cjs app.cjs
//
// Exporters, by environment:
//   OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_/_LOGS_ENDPOINT) → OTLP/HTTP (a Collector,
//     Jaeger, Tempo, Loki, Elastic…), batched;
//   TRACEBRIDGE_OTEL_DIR → spans.jsonl and logs.jsonl in that folder (the demo, the tests);
//   neither → the console.
// OTEL_SERVICE_NAME names the service. Metrics are off unless OTEL_METRICS_EXPORTER says so.
// TRACEBRIDGE_OTEL_AUTO=1 loads the standard getNodeAutoInstrumentations() set instead —
// instrumentation-winston included, which adds ids to winston records and sends them to the
// Logs API — as most OpenTelemetry users run it.
const fs = require('node:fs');
const path = require('node:path');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
const { KoaInstrumentation } = require('@opentelemetry/instrumentation-koa');
const trace = require('@opentelemetry/sdk-trace-base');
const logs = require('@opentelemetry/sdk-logs');

process.env.OTEL_METRICS_EXPORTER ??= 'none';

/** Appends each exported item as one JSON line. */
class JsonLinesExporter {
  constructor(file, toJson) {
    this.file = file;
    this.toJson = toJson;
  }
  export(items, done) {
    try {
      fs.appendFileSync(
        this.file,
        items.map((item) => `${JSON.stringify(this.toJson(item))}\n`).join(''),
      );
      done({ code: 0 });
    } catch (error) {
      done({ code: 1, error });
    }
  }
  shutdown() {
    return Promise.resolve();
  }
  forceFlush() {
    return Promise.resolve();
  }
}

const spanJson = (span) => ({
  service: span.resource.attributes['service.name'],
  name: span.name,
  kind: span.kind,
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  attributes: span.attributes,
});

const logJson = (record) => ({
  service: record.resource.attributes['service.name'],
  traceId: record.spanContext?.traceId,
  spanId: record.spanContext?.spanId,
  severityText: record.severityText,
  body: record.body,
  attributes: record.attributes,
});

function processors() {
  const otlp =
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT ||
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
  if (otlp) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
    const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
    return {
      spanProcessors: [new trace.BatchSpanProcessor(new OTLPTraceExporter())],
      logRecordProcessors: [new logs.BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
    };
  }
  const dir = process.env.TRACEBRIDGE_OTEL_DIR;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    return {
      spanProcessors: [
        new trace.SimpleSpanProcessor(
          new JsonLinesExporter(path.join(dir, 'spans.jsonl'), spanJson),
        ),
      ],
      logRecordProcessors: [
        new logs.SimpleLogRecordProcessor({
          exporter: new JsonLinesExporter(path.join(dir, 'logs.jsonl'), logJson),
        }),
      ],
    };
  }
  return {
    spanProcessors: [new trace.SimpleSpanProcessor(new trace.ConsoleSpanExporter())],
    logRecordProcessors: [
      new logs.SimpleLogRecordProcessor({ exporter: new logs.ConsoleLogRecordExporter() }),
    ],
  };
}

function instrumentations() {
  if (process.env.TRACEBRIDGE_OTEL_AUTO === '1') {
    const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
    return [getNodeAutoInstrumentations()];
  }
  return [new HttpInstrumentation(), new ExpressInstrumentation(), new KoaInstrumentation()];
}

const chosen = processors();
const sdk = new NodeSDK({ ...chosen, instrumentations: instrumentations() });
sdk.start();

// Services call this on SIGTERM (see app.cjs, two-services/wiring.cjs). Exports still in
// flight are flushed first: the SDK's shutdown alone can drop what a simple processor has
// not handed to its exporter yet.
globalThis[Symbol.for('tracebridge.example.otel')] = {
  async shutdown() {
    const all = [...chosen.spanProcessors, ...chosen.logRecordProcessors];
    await Promise.all(all.map((processor) => processor.forceFlush()));
    await sdk.shutdown();
  },
};
