/**
 * Coexistence with @opentelemetry/instrumentation-winston, which patches Winston's own
 * Logger.prototype.write to add trace_id/span_id/trace_flags from the context active at
 * write time: records keep one consistent set of ids, and no field is clobbered — also for
 * a Pattern A logger fired from a foreign context.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport, received } from '../packages/core/test-support/winston.js';
import { concurrentRequests } from './support/load.js';
import { installOtelSdk } from './support/otel.js';

const REQUESTS = 200;
let otel: ReturnType<typeof installOtelSdk>;
let instrumentation: WinstonInstrumentation;
beforeAll(() => {
  otel = installOtelSdk();
  // Enabled before winston is loaded (the imports below are dynamic for that reason).
  instrumentation = new WinstonInstrumentation({ disableLogSending: true });
  instrumentation.enable();
});
afterAll(async () => {
  instrumentation.disable();
  await otel.uninstall();
});

describe('with @opentelemetry/instrumentation-winston enabled too', () => {
  it("one consistent set of ids per record, the caller's fields intact", async () => {
    const { bind, createRequestLifecycle, newTraceContext, run } = await import(
      '@tracebridge/core'
    );
    const { bindLogger, createLogger } = await import('@tracebridge/core/winston');
    const { OpenTelemetryTransportV3 } = await import('@opentelemetry/winston-transport');
    const winstonLogger = (await import('winston')).default;
    expect(
      (winstonLogger.createLogger().write as unknown as { __wrapped?: boolean }).__wrapped,
      'instrumentation-winston did not patch Logger.prototype.write',
    ).toBe(true);

    const json = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [json, new OpenTelemetryTransportV3()] });
    const lifecycle = createRequestLifecycle();
    let seq = 0;
    const pending: (() => void)[] = [];
    const pool = setInterval(() => {
      // The pool runs callbacks in a context of its own, with another span active.
      run(newTraceContext(), () => {
        for (const cb of pending.splice(0)) cb();
      });
    }, 2);
    const server = http.createServer((req, res) =>
      otel.tracer.startActiveSpan('request', (span) =>
        lifecycle.handle(req, res, () => {
          const expected = span.spanContext();
          const log = bindLogger(logger);
          const meta = () => ({
            seq: seq++,
            expected_span: expected.spanId,
            trace_flags_caller: 'kept',
          });
          logger.info('handler', meta());
          pending.push(
            bind(() => {
              logger.info('bound callback', meta());
            }),
          );
          // Not bound: only the Pattern A logger knows the request here.
          pending.push(() => {
            log.info('pattern A from a foreign context', meta());
            res.end('ok');
            span.end();
          });
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
    const records = otel.logRecords.getFinishedLogRecords();
    expect(lines).toHaveLength(REQUESTS * 3);
    expect(records).toHaveLength(REQUESTS * 3);
    const bySeq = new Map(lines.map((line) => [line.seq, line]));
    for (const line of lines) {
      expect(line.span_id, JSON.stringify(line)).toBe(line.expected_span);
      expect(line.trace_flags).toBe('01');
      expect(line.trace_flags_caller).toBe('kept');
    }
    for (const record of records) {
      const line = bySeq.get(record.attributes.seq);
      expect(record.spanContext?.spanId).toBe(line?.span_id);
      expect(record.spanContext?.traceId).toBe(line?.trace_id);
      expect(record.attributes.trace_id).toBeUndefined();
    }
  });
});
