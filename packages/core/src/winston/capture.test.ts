import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { MemoryTransport, received } from '../../test-support/winston.js';
import { bindLogger, isBindableLogger } from '../bind-logger.js';
import { newTraceContext, type TraceContext } from '../context.js';
import { current, run } from '../current.js';
import { CAPTURED_CONTEXT, capturedContext } from '../log-record.js';
import { captureOnWrite } from './capture.js';
import { createLogger } from './create-logger.js';
import { traceFormat } from './format.js';

const BURST = 300;

function tally(lines: Record<string, unknown>[], key = 'trace_id') {
  const counts = { right: 0, missing: 0, wrong: 0 };
  for (const line of lines) {
    if (line[key] === undefined) counts.missing++;
    else if (line[key] === line.expected) counts.right++;
    else counts.wrong++;
  }
  return counts;
}

/** Writes one record from each of BURST contexts, in a burst, into a slow transport. */
async function burst(
  logger: winston.Logger,
  transport: MemoryTransport,
  enter: (ctx: TraceContext, fn: () => void) => void,
) {
  const contexts = Array.from({ length: BURST }, () => newTraceContext());
  for (const ctx of contexts) enter(ctx, () => logger.info('work', { expected: ctx.traceId }));
  await received(transport, BURST);
  return transport.lines();
}

describe('Winston behind a slow transport (formats run when the stream drains)', () => {
  it("a format that reads the store gets other requests' ids; tracebridge gets 0 wrong, 0 missing", async () => {
    // The naive way: the format reads an ALS store when Winston runs it.
    const als = new AsyncLocalStorage<{ traceId: string }>();
    const naiveFormat = winston.format((info) => {
      info.trace_id = als.getStore()?.traceId;
      return info;
    });
    const naiveTransport = new MemoryTransport({ delayMs: 1 });
    const naive = winston.createLogger({
      format: winston.format.combine(naiveFormat(), winston.format.json()),
      transports: [naiveTransport],
    });
    const naiveLines = await burst(naive, naiveTransport, (ctx, fn) =>
      als.run({ traceId: ctx.traceId }, fn),
    );

    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const lines = await burst(logger, transport, (ctx, fn) => run(ctx, fn));

    const naiveCounts = tally(naiveLines);
    console.log(
      `slow transport, ${BURST} contexts: naive format ${JSON.stringify(naiveCounts)}, tracebridge ${JSON.stringify(tally(lines))}`,
    );
    expect(naiveCounts.wrong + naiveCounts.missing).toBeGreaterThan(BURST / 2);
    expect(tally(lines)).toEqual({ right: BURST, missing: 0, wrong: 0 });
  });

  it('each record carries the context it was written in, as a value, to every format and transport', async () => {
    // A format ahead of traceFormat, and the transport, see each record's captured context:
    // the one current when logger.info() was called, whether Winston formats the record
    // inside that call or later, after it buffered it behind the slow transport.
    const seenByFormat: (TraceContext | null | undefined)[] = [];
    const observe = winston.format((info) => {
      seenByFormat.push(capturedContext(info));
      return info;
    });
    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = captureOnWrite(
      winston.createLogger({
        format: winston.format.combine(observe(), traceFormat(), winston.format.json()),
        transports: [transport],
      }),
    );
    const lines = await burst(logger, transport, (ctx, fn) => run(ctx, fn));
    expect(tally(lines)).toEqual({ right: BURST, missing: 0, wrong: 0 });
    expect(seenByFormat.map((ctx) => ctx?.traceId)).toEqual(lines.map((line) => line.expected));
    for (const record of transport.records) {
      expect(capturedContext(record)?.traceId).toBe(record.expected);
      // Serialised lines never show it: JSON skips symbol keys.
      expect(Object.getOwnPropertySymbols(record)).toContain(CAPTURED_CONTEXT);
    }
    // Written outside any context: captured as "none", so no ids, wherever it is formatted.
    logger.info('outside');
    await received(transport, BURST + 1);
    expect(capturedContext(transport.records[BURST])).toBeNull();
    const later = run(newTraceContext(), () =>
      traceFormat().transform({ ...transport.records[BURST] } as never),
    );
    expect(later).not.toHaveProperty('trace_id');
  });

  it('the format alone (no captureOnWrite) is not enough — which is why capture exists', async () => {
    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = winston.createLogger({
      format: winston.format.combine(traceFormat(), winston.format.json()),
      transports: [transport],
    });
    const counts = tally(await burst(logger, transport, (ctx, fn) => run(ctx, fn)));
    console.log(`slow transport, ${BURST} contexts, traceFormat alone: ${JSON.stringify(counts)}`);
    expect(counts.wrong + counts.missing).toBeGreaterThan(0);
  });

  it('child loggers (made before and after captureOnWrite) capture too, and keep their meta', async () => {
    const transport = new MemoryTransport({ delayMs: 1 });
    const base = winston.createLogger({
      format: winston.format.combine(traceFormat(), winston.format.json()),
      transports: [transport],
    });
    const before = base.child({ component: 'before' });
    captureOnWrite(base);
    const after = base.child({ component: 'after' });
    const grandchild = after.child({ sub: 'g' });
    const loggers = [before, after, grandchild];
    const contexts = Array.from({ length: BURST }, () => newTraceContext());
    contexts.forEach((ctx, i) => {
      run(ctx, () => loggers[i % 3]?.info('work', { expected: ctx.traceId }));
    });
    await received(transport, BURST);
    const lines = transport.lines();
    expect(tally(lines)).toEqual({ right: BURST, missing: 0, wrong: 0 });
    expect(lines.filter((l) => l.component === 'before')).toHaveLength(BURST / 3);
    expect(lines.filter((l) => l.sub === 'g' && l.component === 'after')).toHaveLength(BURST / 3);
  });

  it("captureOnWrite on a child alone still captures (the record survives Winston's copy)", async () => {
    const transport = new MemoryTransport({ delayMs: 1 });
    const base = winston.createLogger({
      format: winston.format.combine(traceFormat(), winston.format.json()),
      transports: [transport],
    });
    const child = captureOnWrite(base.child({ component: 'c' }));
    const lines = await burst(child, transport, (ctx, fn) => run(ctx, fn));
    expect(tally(lines)).toEqual({ right: BURST, missing: 0, wrong: 0 });
  });

  it('touches no Winston prototype; twice is harmless', () => {
    const protoWrite = Object.getPrototypeOf(winston.createLogger()).write;
    const logger = winston.createLogger();
    captureOnWrite(logger);
    const wrapped = logger.write;
    captureOnWrite(logger);
    expect(logger.write).toBe(wrapped);
    expect(Object.getPrototypeOf(logger).write).toBe(protoWrite);
    expect(Object.getPrototypeOf(winston.createLogger()).write).toBe(protoWrite);
  });

  it('refuses something that is not a logger', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => captureOnWrite({} as any)).toThrow(
      /@tracebridge\/core\/winston: captureOnWrite\(logger\) expects a Winston logger/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => bindLogger(null as any)).toThrow(/bindLogger\(logger\)/);
  });
});

describe('bindLogger (Pattern A)', () => {
  it('fired from foreign contexts — a shared bus, another request, none — logs its own ids', async () => {
    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    const contexts = Array.from({ length: BURST }, () => newTraceContext({ requestId: 'r' }));
    for (const ctx of contexts) {
      const log = run(ctx, () => bindLogger(logger));
      bus.once('tick', () => log.info('late', { expected: ctx.traceId }));
    }
    const foreign = newTraceContext();
    run(foreign, () => bus.emit('tick'));
    await received(transport, BURST);
    const lines = transport.lines();
    expect(tally(lines)).toEqual({ right: BURST, missing: 0, wrong: 0 });
    expect(lines.every((l) => l.request_id === 'r')).toBe(true);
  });

  it('an explicit context, children of it, and the context current inside the call unchanged', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const ctx = newTraceContext();
    const other = newTraceContext();
    const log = bindLogger(logger, ctx).child({ component: 'x' });
    run(other, () => {
      log.info('one', { expected: ctx.traceId });
      expect(current()).toBe(other);
    });
    await received(transport, 1);
    expect(transport.lines()[0]).toMatchObject({ trace_id: ctx.traceId, component: 'x' });
  });

  it('bound outside any context writes no ids, even when called inside one', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const log = bindLogger(logger);
    run(newTraceContext(), () => log.info('x'));
    await received(transport, 1);
    expect(transport.lines()[0]?.trace_id).toBeUndefined();
  });
});

describe('a transport that throws', () => {
  it("never throws into the code that logged; the error reaches the logger's error listeners", () => {
    const errors: unknown[] = [];
    const brokenLogger = () => {
      const bad = new MemoryTransport();
      bad.log = () => {
        throw new Error('transport down');
      };
      const logger = createLogger({ transports: [bad] });
      logger.on('error', (e) => errors.push(e));
      return logger;
    };
    const ctx = newTraceContext();
    expect(() => run(ctx, () => brokenLogger().info('x'))).not.toThrow();
    expect(() => bindLogger(brokenLogger(), ctx).info('y')).not.toThrow();
    expect(errors.map((e) => (e as Error).message)).toEqual(['transport down', 'transport down']);
  });
});

describe('isBindableLogger', () => {
  it('accepts Winston and pino-style loggers, refuses the rest', () => {
    expect(isBindableLogger(winston.createLogger())).toBe(true);
    expect(isBindableLogger({ child: () => ({}) })).toBe(true);
    expect(isBindableLogger({ info: () => undefined })).toBe(false);
    expect(isBindableLogger(null)).toBe(false);
  });
});

describe('bindLogger with a child logger that is not pino (bunyan-style)', () => {
  it('makes a child with the ids as bindings (pino: see pino/mixin.test.ts)', () => {
    const seen: unknown[] = [];
    const pino = {
      child(bindings: Record<string, unknown>) {
        seen.push(bindings);
        return pino;
      },
    };
    const ctx = newTraceContext({ requestId: 'r1' });
    expect(bindLogger(pino, ctx)).toBe(pino);
    expect(seen).toEqual([
      { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: '03', request_id: 'r1' },
    ]);
  });
});

describe('createLogger', () => {
  it('takes Winston options, a trace preset and a custom format after traceFormat', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({
      level: 'debug',
      defaultMeta: { service: 's' },
      trace: { preset: 'camel' },
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [transport],
    });
    const ctx = newTraceContext();
    run(ctx, () => logger.debug('d'));
    await received(transport, 1);
    expect(transport.lines()[0]).toMatchObject({
      level: 'debug',
      service: 's',
      traceId: ctx.traceId,
      timestamp: expect.any(String),
    });
  });
});

describe("createLogger's default JSON line", () => {
  const MESSAGE = Symbol.for('message');

  it('is the record as JSON, in its key order, with the ids', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const ctx = newTraceContext();
    run(ctx, () => logger.info('paid', { order: 7, nested: { a: [1, 'b'] }, skip: undefined }));
    await received(transport, 1);
    const line = String(transport.records[0]?.[MESSAGE]);
    expect(JSON.parse(line)).toEqual({
      order: 7,
      nested: { a: [1, 'b'] },
      level: 'info',
      message: 'paid',
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
      trace_flags: '03',
    });
    expect(Object.keys(JSON.parse(line)).slice(0, 4)).toEqual([
      'order',
      'nested',
      'level',
      'message',
    ]);
  });

  it("a record JSON.stringify refuses (circular, BigInt) gets Winston's format.json() line", async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const ctx = newTraceContext();
    run(ctx, () => {
      logger.info('circular', { circular });
      logger.info('big', { amount: 12345678901234567890n });
    });
    await received(transport, 2);
    const [first, second] = transport.records.map((r) => JSON.parse(String(r[MESSAGE])));
    expect(first).toMatchObject({
      circular: { name: 'loop', self: '[Circular]' },
      trace_id: ctx.traceId,
    });
    expect(second).toMatchObject({ amount: '12345678901234567890', trace_id: ctx.traceId });
  });

  it('a format of your own replaces it', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport], format: winston.format.logstash() });
    run(newTraceContext(), () => logger.info('x'));
    await received(transport, 1);
    expect(JSON.parse(String(transport.records[0]?.[MESSAGE]))).toHaveProperty('@message', 'x');
  });
});
