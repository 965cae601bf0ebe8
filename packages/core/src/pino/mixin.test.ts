import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bindLogger } from '../bind-logger.js';
import { newTraceContext, type TraceContext, withFields } from '../context.js';
import { run } from '../current.js';
import { logTarget } from '../log-target.js';
import { createPinoLogger } from './create-logger.js';
import { traceMixin } from './mixin.js';

/** A destination that keeps each line, as written (raw text: duplicate keys would show). */
function memory(delayMs = 0) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      if (delayMs > 0) setTimeout(callback, delayMs);
      else callback();
    },
  });
  return { stream, lines, parsed: () => lines.map((l) => JSON.parse(l)) };
}

const count = (line: string, key: string) => line.split(`"${key}":`).length - 1;

/** What an adapter makes of `logger`: its request and error lines go through it. */
const targetOf = (logger: unknown) =>
  logTarget(
    logger,
    {},
    {
      fail: (message) => {
        throw new Error(message);
      },
      warn: () => {},
    },
  );

describe('traceMixin', () => {
  it('writes the current context’s ids, request id and fields; nothing outside a context', () => {
    const out = memory();
    const logger = pino({ mixin: traceMixin() }, out.stream);
    const ctx = withFields(newTraceContext({ requestId: 'r-1' }), { tenant: 'acme' });
    run(ctx, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = out.parsed();
    expect(inside).toMatchObject({
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
      trace_flags: '03',
      request_id: 'r-1',
      tenant: 'acme',
      msg: 'inside',
    });
    expect(outside).not.toHaveProperty('trace_id');
  });

  it.each([
    [
      { preset: 'ecs' as const },
      (c: TraceContext) => ({ trace: { id: c.traceId }, span: { id: c.spanId } }),
    ],
    [{ preset: 'camel' as const }, (c: TraceContext) => ({ traceId: c.traceId, spanId: c.spanId })],
    [
      { preset: 'datadog' as const },
      (c: TraceContext) => ({ dd: { trace_id: BigInt(`0x${c.traceId.slice(16)}`).toString() } }),
    ],
    [
      { keys: { traceId: 'tid', spanId: 'sid', traceFlags: false as const } },
      (c: TraceContext) => ({ tid: c.traceId, sid: c.spanId }),
    ],
  ])('names the fields as the Winston format does: %j', (options, expected) => {
    const out = memory();
    const logger = pino({ mixin: traceMixin(options) }, out.stream);
    const ctx = newTraceContext();
    run(ctx, () => logger.info('x'));
    expect(out.parsed()[0]).toMatchObject(expected(ctx));
  });

  it("never replaces the call's fields or those of the user's own mixin", () => {
    const out = memory();
    const logger = pino(
      { mixin: traceMixin({ mixin: () => ({ service: 'api', span_id: 'mine' }) }) },
      out.stream,
    );
    const ctx = newTraceContext();
    run(ctx, () => logger.info({ trace_id: 'given' }, 'x'));
    const [line] = out.lines;
    expect(JSON.parse(line as string)).toMatchObject({
      service: 'api',
      span_id: 'mine',
      trace_id: 'given',
    });
    expect(count(line as string, 'trace_id')).toBe(1);
  });

  it('refuses bad options at setup', () => {
    expect(() => traceMixin({ preset: 'nope' as never })).toThrow(/traceMixin: unknown preset/);
    expect(() => traceMixin({ mixin: 3 as never })).toThrow(/mixin must be a function/);
    expect(() => traceMixin({ wat: 1 } as never)).toThrow(/unknown option "wat"/);
  });

  it('pino formats at the call: 300 contexts into a slow destination, every id right', async () => {
    const out = memory(1);
    const logger = pino({ mixin: traceMixin() }, out.stream);
    const contexts = Array.from({ length: 300 }, () => newTraceContext());
    for (const ctx of contexts) run(ctx, () => logger.info({ expected: ctx.traceId }, 'work'));
    await new Promise<void>((resolve) => {
      const check = () => (out.lines.length >= 300 ? resolve() : setTimeout(check, 5));
      check();
    });
    const wrong = out.parsed().filter((l) => l.trace_id !== l.expected);
    expect(wrong).toEqual([]);
  });
});

describe('bound pino loggers', () => {
  it('a plain pino logger: the child writes its ids on every line, however late', () => {
    const out = memory();
    const ctx = newTraceContext();
    const log = run(ctx, () => bindLogger(pino(out.stream)));
    run(newTraceContext(), () => log.info('late, from another context'));
    expect(out.parsed()[0]).toMatchObject({ trace_id: ctx.traceId, span_id: ctx.spanId });
  });

  it('a mixin that writes the active span’s ids (instrumentation-pino’s): the bound ids replace them', () => {
    const out = memory();
    const logger = pino({ mixin: () => ({ trace_id: 'active', span_id: 'active' }) }, out.stream);
    const ctx = newTraceContext();
    const log = run(ctx, () => bindLogger(logger));
    log.child({ part: 'db' }).info('late');
    const [line] = out.lines;
    expect(count(line as string, 'trace_id')).toBe(1);
    expect(count(line as string, 'span_id')).toBe(1);
    expect(JSON.parse(line as string)).toMatchObject({
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
    });
  });

  it('a log formatter of the user’s still runs after the ids are written', () => {
    const out = memory();
    const logger = pino(
      {
        formatters: { log: (object) => ({ ...object, formatted: object.trace_id !== undefined }) },
      },
      out.stream,
    );
    const log = run(newTraceContext(), () => bindLogger(logger));
    log.info('x');
    expect(out.parsed()[0]).toMatchObject({ formatted: true });
  });

  it('with traceMixin added by hand, still one set of ids (the bound ones)', () => {
    const out = memory();
    const ctx = newTraceContext();
    const log = run(ctx, () => bindLogger(pino({ mixin: traceMixin() }, out.stream)));
    run(newTraceContext(), () => log.child({ part: 'db' }).info('late'));
    const [line] = out.lines;
    expect(count(line as string, 'trace_id')).toBe(1);
    expect(JSON.parse(line as string)).toMatchObject({ trace_id: ctx.traceId, part: 'db' });
  });

  it('createPinoLogger: the child carries the context; the mixin writes it at each call', () => {
    const out = memory();
    const logger = createPinoLogger({ trace: { preset: 'camel' } }, out.stream);
    const ctx = newTraceContext();
    const log = run(ctx, () => bindLogger(logger));
    run(newTraceContext(), () => log.child({ part: 'db' }).info('late'));
    const [line] = out.lines;
    expect(count(line as string, 'traceId')).toBe(1);
    expect(JSON.parse(line as string)).toMatchObject({ traceId: ctx.traceId, part: 'db' });
  });

  it("an adapter's line with its ids written is left alone by the mixin", () => {
    const out = memory();
    const logger = pino({ mixin: traceMixin({ preset: 'ecs' }) }, out.stream);
    const target = targetOf(logger);
    const ctx = newTraceContext();
    run(newTraceContext(), () => target.write(ctx, 'info', 'GET / 200', { 'http.route': '/' }));
    const [line] = out.parsed();
    expect(line).toMatchObject({ trace_id: ctx.traceId, msg: 'GET / 200' });
    expect(line).not.toHaveProperty('trace');
  });

  it('createPinoLogger through an adapter: the line is the mixin’s, with the line’s own context', () => {
    const out = memory();
    const logger = createPinoLogger({}, out.stream);
    const target = targetOf(logger);
    const ctx = newTraceContext();
    run(newTraceContext(), () => target.write(ctx, 'info', 'GET / 200', {}));
    const [line] = out.lines;
    expect(count(line as string, 'trace_id')).toBe(1);
    expect(JSON.parse(line as string)).toMatchObject({ trace_id: ctx.traceId });
  });

  it('createPinoLogger keeps pino’s options and the user’s mixin', () => {
    const out = memory();
    const logger = createPinoLogger(
      { level: 'debug', base: { app: 'x' }, mixin: () => ({ own: 1 }) },
      out.stream,
    );
    run(newTraceContext(), () => logger.debug('d'));
    expect(out.parsed()[0]).toMatchObject({ app: 'x', own: 1, msg: 'd', level: 20 });
    expect(() => createPinoLogger(3 as never)).toThrow(/expects an object/);
  });
});
