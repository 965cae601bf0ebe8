/**
 * Coexistence with @opentelemetry/instrumentation-winston, which patches Winston's own
 * Logger.prototype.write to add trace_id/span_id/trace_flags from the context active at
 * write time: records keep one consistent set of ids, and no field is clobbered — also for
 * a Pattern A logger fired from a foreign context.
 */
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport, received } from '../packages/core/test-support/winston.js';
import { installOtelSdk } from './support/otel.js';
import { driveTracedServer, expectRecordsMatchLines } from './support/traced-server.js';

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
    const winston = (await import('winston')).default;
    expect(
      (winston.createLogger().write as unknown as { __wrapped?: boolean }).__wrapped,
      'instrumentation-winston did not patch Logger.prototype.write',
    ).toBe(true);

    const json = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [json, new OpenTelemetryTransportV3()] });
    let seq = 0;
    await driveTracedServer({
      tracer: otel.tracer,
      lifecycle: createRequestLifecycle(),
      requests: REQUESTS,
      // The pool runs callbacks in a context of its own.
      poolRuns: (drain) => run(newTraceContext(), drain),
      onRequest(_req, res, span, defer) {
        const meta = () => ({
          seq: seq++,
          expected_span: span.spanContext().spanId,
          trace_flags_caller: 'kept',
        });
        const log = bindLogger(logger);
        logger.info('handler', meta());
        defer(bind(() => logger.info('bound callback', meta())));
        // Not bound: only the Pattern A logger knows the request here.
        defer(() => {
          log.info('pattern A from a foreign context', meta());
          res.end('ok');
          span.end();
        });
      },
    });
    await received(json, REQUESTS * 3);
    const lines = json.lines();
    expect(lines).toHaveLength(REQUESTS * 3);
    for (const line of lines) {
      expect(line.span_id, JSON.stringify(line)).toBe(line.expected_span);
      expect(line.trace_flags).toBe('01');
      expect(line.trace_flags_caller).toBe('kept');
    }
    expectRecordsMatchLines(otel.logRecords.getFinishedLogRecords(), lines);
  });
});
