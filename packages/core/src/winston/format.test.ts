import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { MemoryTransport, received } from '../../test-support/winston.js';
import { createTraceContext } from '../context.js';
import { run } from '../current.js';
import { captureOnWrite } from './capture.js';
import { type TraceFormatOptions, traceFormat } from './format.js';

const ctx = createTraceContext({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: 1,
  requestId: 'req-1',
  fields: { tenant: 'acme', region: 'eu' },
});

async function logOnce(
  options: TraceFormatOptions,
  meta: object = {},
  after = winston.format.json(),
) {
  const transport = new MemoryTransport();
  const logger = winston.createLogger({
    format: winston.format.combine(traceFormat(options), after),
    transports: [transport],
  });
  run(ctx, () => logger.info('hello', meta));
  await received(transport, 1);
  return transport;
}

describe('traceFormat presets: exact output', () => {
  it('otel (default): trace_id, span_id, trace_flags as two hex digits, request id, fields', async () => {
    expect((await logOnce({})).lines()[0]).toEqual({
      level: 'info',
      message: 'hello',
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
      trace_flags: '01',
      request_id: 'req-1',
      tenant: 'acme',
      region: 'eu',
    });
  });

  it('ecs: nested trace.id, span.id and http.request.id', async () => {
    expect((await logOnce({ preset: 'ecs', fields: false })).lines()[0]).toEqual({
      level: 'info',
      message: 'hello',
      trace: { id: ctx.traceId },
      span: { id: ctx.spanId },
      http: { request: { id: 'req-1' } },
    });
  });

  it('datadog: dd.trace_id and dd.span_id in decimal (low 64 bits of the trace id)', async () => {
    expect(
      (await logOnce({ preset: 'datadog', fields: false, requestId: false })).lines()[0],
    ).toEqual({
      level: 'info',
      message: 'hello',
      dd: {
        trace_id: BigInt('0xa3ce929d0e0e4736').toString(),
        span_id: BigInt('0x00f067aa0ba902b7').toString(),
      },
    });
    expect(BigInt('0xa3ce929d0e0e4736').toString()).toBe('11803532876627986230');
  });

  it('camel: traceId, spanId, traceFlags, requestId', async () => {
    expect((await logOnce({ preset: 'camel', fields: false })).lines()[0]).toEqual({
      level: 'info',
      message: 'hello',
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: '01',
      requestId: 'req-1',
    });
  });

  it('explicit keys, without flags, and a custom request-id key', async () => {
    expect(
      (
        await logOnce({
          keys: { traceId: 'tid', spanId: 'sid', traceFlags: false },
          requestId: 'rid',
          fields: false,
        })
      ).lines()[0],
    ).toEqual({
      level: 'info',
      message: 'hello',
      tid: ctx.traceId,
      sid: ctx.spanId,
      rid: 'req-1',
    });
  });
});

describe('traceFormat never clobbers', () => {
  it('ids the caller put on the record stay, all of them (no mixing)', async () => {
    const line = (await logOnce({}, { trace_id: 'mine', tenant: 'caller' })).lines()[0];
    expect(line).toMatchObject({ trace_id: 'mine', tenant: 'caller', region: 'eu' });
    expect(line?.span_id).toBeUndefined();
  });

  it('a nested object of the caller is copied, not changed, and a non-object is left alone', async () => {
    const trace = { sampled: true };
    const line = (await logOnce({ preset: 'ecs' }, { trace, span: 'not-an-object' })).lines()[0];
    expect(line).toMatchObject({
      trace: { sampled: true, id: ctx.traceId },
      span: 'not-an-object',
    });
    expect(trace).toEqual({ sampled: true });
  });
});

describe('traceFormat with other formats and odd records', () => {
  it('works with printf (logfmt style) and prettyPrint', async () => {
    const printf = winston.format.printf(
      (i) => `level=${i.level} msg=${i.message} trace_id=${i.trace_id} span_id=${i.span_id}`,
    );
    const t1 = await logOnce({}, {}, printf);
    expect(t1.records[0]?.[Symbol.for('message')]).toBe(
      `level=info msg=hello trace_id=${ctx.traceId} span_id=${ctx.spanId}`,
    );
    const t2 = await logOnce({}, {}, winston.format.prettyPrint());
    const pretty = String(t2.records[0]?.[Symbol.for('message')]);
    expect(pretty).toContain(`trace_id: '${ctx.traceId}'`);
    expect(pretty).not.toContain('tracebridge');
  });

  it('handles string meta, frozen and null-prototype meta, and circular fields without throwing', async () => {
    const circular: Record<string, unknown> = { name: 'c' };
    circular.self = circular;
    const nullProto = Object.assign(Object.create(null), { a: 1 });
    const transport = new MemoryTransport();
    const logger = captureOnWrite(
      winston.createLogger({
        format: winston.format.combine(traceFormat(), winston.format.json()),
        transports: [transport],
      }),
    );
    run(ctx, () => {
      logger.info('string meta %s', 'value');
      logger.info('frozen', Object.freeze({ a: 1 }));
      logger.info('null proto', nullProto);
      logger.info('circular', { circular });
      logger.log(Object.assign(Object.create(null), { level: 'info', message: 'null-proto info' }));
    });
    await received(transport, 5);
    const lines = transport.lines();
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line.trace_id).toBe(ctx.traceId);
    expect(lines[3]?.circular).toEqual({ name: 'c', self: '[Circular]' });
  });

  it('a frozen info object passes through unchanged, no throw', () => {
    const info = Object.freeze({ level: 'info', message: 'x' });
    expect(run(ctx, () => traceFormat().transform(info))).toBe(info);
  });

  it('no context at all: no id fields, no error', async () => {
    const transport = new MemoryTransport();
    const logger = winston.createLogger({
      format: winston.format.combine(traceFormat(), winston.format.json()),
      transports: [transport],
    });
    logger.info('outside');
    await received(transport, 1);
    expect(transport.lines()[0]).toEqual({ level: 'info', message: 'outside' });
  });
});

describe('traceFormat options are checked once', () => {
  it.each([
    [{ preset: 'nope' }, /unknown preset "nope"/],
    [{ preset: 'ecs', keys: {} }, /either preset or keys/],
    [{ keys: { traceId: '' } }, /keys.traceId/],
    [{ keys: { spanId: false } }, /keys.spanId/],
    [{ requestId: 3 }, /requestId/],
    [{ fields: 'yes' }, /fields/],
    [{ other: true }, /traceFormat: unknown option "other"/],
  ])('refuses %j with a TypeError', (options, message) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => traceFormat(options as any)).toThrow(message);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => traceFormat(options as any)).toThrow(/^@tracebridge\/core\/winston: /);
  });
});
