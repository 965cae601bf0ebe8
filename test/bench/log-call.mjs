// Log-call cost, variants interleaved in one process (A B C A B C …), after a warm-up:
//   node log-call.mjs <variant,variant,…> <calls per sample> <rounds>
//   → prints {"samples": {"<variant>": [ns per call, …]}}
// Every variant logs inside an active request context, with a JSON format, to a transport
// that does nothing. instrumentation-winston patches Winston's prototype process-wide: it
// only ever shares a process with 'bare', its baseline.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

const [variantsArg, callsArg, roundsArg] = process.argv.slice(2);
const variants = variantsArg.split(',');
const calls = Number(callsArg);
const rounds = Number(roundsArg ?? 5);
const require = createRequire(import.meta.url);

let instrumentation;
if (variants.includes('instrumentation-winston')) {
  // An SDK with an active span, and the instrumentation enabled before winston loads.
  const { context, trace } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  const { WinstonInstrumentation } = require('@opentelemetry/instrumentation-winston');
  instrumentation = new WinstonInstrumentation({ disableLogSending: true });
  instrumentation.enable();
}

const winston = require('winston');
const Transport = require('winston-transport');
const core = await import('@tracebridge/core');
const tbWinston = await import('@tracebridge/core/winston');

class Noop extends Transport {
  log(_info, callback) {
    callback();
  }
}

const ctx = core.newTraceContext({ requestId: 'req-1' });
const json = winston.format.json();
const als = new AsyncLocalStorage();
// "Inside an active request context": a service keeps one whatever it logs with, and an
// active AsyncLocalStorage has a cost of its own (on async_hooks lines every
// process.nextTick, which Winston's stream takes per record, runs its init hook). The
// baselines run inside one too, so the ratios compare the logging alone.
const service = new AsyncLocalStorage();
const inRequest = (fn) => service.run({ requestId: 'req-1' }, fn);

function build(variant) {
  switch (variant) {
    case 'bare':
      return {
        logger: winston.createLogger({ format: json, transports: [new Noop()] }),
        enter: inRequest,
      };
    case 'floor': {
      // The same fields as constants: an extra format stage and a bigger line, no context work.
      const constants = winston.format((info) => {
        info.trace_id = ctx.traceId;
        info.span_id = ctx.spanId;
        info.trace_flags = '03';
        info.request_id = 'req-1';
        return info;
      });
      return {
        logger: winston.createLogger({
          format: winston.format.combine(constants(), json),
          transports: [new Noop()],
        }),
        enter: inRequest,
      };
    }
    case 'format-only':
      return {
        logger: winston.createLogger({
          format: winston.format.combine(tbWinston.traceFormat(), json),
          transports: [new Noop()],
        }),
        enter: (fn) => core.run(ctx, fn),
      };
    case 'capture-only':
      return {
        logger: tbWinston.captureOnWrite(
          winston.createLogger({ format: json, transports: [new Noop()] }),
        ),
        enter: (fn) => core.run(ctx, fn),
      };
    case 'tracebridge':
      // What the floor measures: the same Winston logger and JSON format, with traceFormat
      // and captureOnWrite instead of constants.
      return {
        logger: tbWinston.captureOnWrite(
          winston.createLogger({
            format: winston.format.combine(tbWinston.traceFormat(), json),
            transports: [new Noop()],
          }),
        ),
        enter: (fn) => core.run(ctx, fn),
      };
    case 'tracebridge-createLogger':
      // tracebridge's own createLogger: the same, with its default JSON line.
      return {
        logger: tbWinston.createLogger({ transports: [new Noop()] }),
        enter: (fn) => core.run(ctx, fn),
      };
    case 'format-reads-als': {
      const fromStore = winston.format((info) => {
        const store = als.getStore();
        if (store) {
          info.trace_id = store.traceId;
          info.span_id = store.spanId;
          info.trace_flags = '03';
          info.request_id = store.requestId;
        }
        return info;
      });
      return {
        logger: winston.createLogger({
          format: winston.format.combine(fromStore(), json),
          transports: [new Noop()],
        }),
        enter: (fn) =>
          als.run({ traceId: ctx.traceId, spanId: ctx.spanId, requestId: 'req-1' }, fn),
      };
    }
    case 'instrumentation-winston': {
      const { trace } = require('@opentelemetry/api');
      const tracer = trace.getTracer('bench');
      return {
        logger: winston.createLogger({ format: json, transports: [new Noop()] }),
        enter: (fn) =>
          tracer.startActiveSpan('request', (span) => {
            fn();
            span.end();
          }),
      };
    }
    default:
      throw new Error(`log-call: unknown variant ${variant}`);
  }
}

const meta = { route: '/orders/:id', status: 200 };
const built = Object.fromEntries(variants.map((v) => [v, build(v)]));
function sample(variant, n) {
  const { logger, enter } = built[variant];
  let ns = 0;
  enter(() => {
    // CPU time, not wall time: less exposed to the machine's other tenants.
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) logger.info('order handled', meta);
    const used = process.cpuUsage(start);
    ns = ((used.user + used.system) * 1000) / n;
  });
  return ns;
}
for (const v of variants) sample(v, Math.min(calls, 20_000)); // warm-up
const samples = Object.fromEntries(variants.map((v) => [v, []]));
for (let r = 0; r < rounds; r++) for (const v of variants) samples[v].push(sample(v, calls));
instrumentation?.disable();
process.stdout.write(`${JSON.stringify({ samples })}\n`);
