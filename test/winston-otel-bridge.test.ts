/**
 * Logs bridged to OpenTelemetry: the real sdk-logs LoggerProvider with an in-memory exporter
 * and @opentelemetry/winston-transport, under concurrent requests on a real server. Every
 * exported LogRecord must carry the span context of the JSON line written with it.
 */
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import { bind, createRequestLifecycle } from '@tracebridge/core';
import { bindLogger, createLogger } from '@tracebridge/core/winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport, received } from '../packages/core/test-support/winston.js';
import { installOtelSdk } from './support/otel.js';
import { driveTracedServer, expectRecordsMatchLines } from './support/traced-server.js';

const REQUESTS = 200;
let otel: ReturnType<typeof installOtelSdk>;
beforeAll(() => {
  otel = installOtelSdk();
});
afterAll(async () => {
  await otel.uninstall();
});

describe('OTel Logs bridge through @opentelemetry/winston-transport', () => {
  it('every exported LogRecord has the span context of its JSON line; no id in attributes', async () => {
    const json = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [json, new OpenTelemetryTransportV3()] });
    let seq = 0;
    await driveTracedServer({
      tracer: otel.tracer,
      lifecycle: createRequestLifecycle(),
      requests: REQUESTS,
      onRequest(_req, res, span, defer) {
        const meta = () => ({ seq: seq++, expected_span: span.spanContext().spanId });
        const log = bindLogger(logger);
        logger.info('handler', meta());
        // Answered later from a shared pool: the plain logger through bind(), the Pattern A
        // one as it is.
        defer(
          bind(() => {
            logger.info('pool callback', meta());
            log.info('pattern A', meta());
            res.end('ok');
            span.end();
          }),
        );
      },
    });
    await received(json, REQUESTS * 3);
    const lines = json.lines();
    expect(lines).toHaveLength(REQUESTS * 3);
    const spanIds = new Set(otel.spans.getFinishedSpans().map((s) => s.spanContext().spanId));
    for (const line of lines) {
      expect(line.span_id).toBe(line.expected_span);
      expect(spanIds.has(String(line.span_id))).toBe(true);
    }
    expectRecordsMatchLines(otel.logRecords.getFinishedLogRecords(), lines);
  });
});
