/**
 * Logs bridged to OpenTelemetry: the real sdk-logs LoggerProvider with an in-memory exporter
 * and @opentelemetry/winston-transport, under concurrent requests on a real server. Every
 * exported LogRecord must carry the span context of the JSON line written with it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import { bind, createRequestLifecycle } from '@tracebridge/core';
import { bindLogger, createLogger } from '@tracebridge/core/winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport, received } from '../packages/core/test-support/winston.js';
import { concurrentRequests } from './support/load.js';
import { installOtelSdk } from './support/otel.js';

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
    const lifecycle = createRequestLifecycle();
    let seq = 0;
    const pending: (() => void)[] = [];
    const pool = setInterval(() => {
      for (const cb of pending.splice(0)) cb();
    }, 2);
    const server = http.createServer((req, res) =>
      otel.tracer.startActiveSpan('request', (span) =>
        lifecycle.handle(req, res, () => {
          const log = bindLogger(logger);
          logger.info('handler', { seq: seq++, span: span.spanContext().spanId });
          // Answered later from a shared pool: the plain logger is bound, the Pattern A one
          // is fixed.
          pending.push(
            bind(() => {
              logger.info('pool callback', { seq: seq++, span: span.spanContext().spanId });
              log.info('pattern A', { seq: seq++, span: span.spanContext().spanId });
              res.end('ok');
              span.end();
            }),
          );
        }),
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await concurrentRequests(port, REQUESTS, true)).toBe(REQUESTS);
      await received(json, REQUESTS * 3);
    } finally {
      clearInterval(pool);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const lines = json.lines();
    const bySeq = new Map(lines.map((line) => [line.seq, line]));
    const records = otel.logRecords.getFinishedLogRecords();
    expect(lines).toHaveLength(REQUESTS * 3);
    expect(records).toHaveLength(REQUESTS * 3);
    const spanIds = new Set(otel.spans.getFinishedSpans().map((s) => s.spanContext().spanId));
    let agree = 0;
    for (const record of records) {
      const line = bySeq.get(record.attributes.seq);
      expect(line, `no JSON line for seq ${String(record.attributes.seq)}`).toBeDefined();
      expect(record.spanContext?.traceId).toBe(line?.trace_id);
      expect(record.spanContext?.spanId).toBe(line?.span_id);
      expect(line?.span_id).toBe(line?.span);
      expect(spanIds.has(String(line?.span_id))).toBe(true);
      expect(Object.keys(record.attributes)).not.toEqual(expect.arrayContaining(['trace_id']));
      expect(record.attributes.span_id).toBeUndefined();
      expect(record.attributes.trace_flags).toBeUndefined();
      agree++;
    }
    expect(agree).toBe(REQUESTS * 3);
  });
});
