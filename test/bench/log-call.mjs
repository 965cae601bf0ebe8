// The cost of one log call, variants taking turns in one process (A B C A B C …):
//   node log-call.mjs <setting> <calls per sample> <rounds>
//   → prints {"<variant>": [ns per call, …], …}
//
// Every variant is a Winston logger with the same transport (one that drops the line) and
// logs the same call inside the same request context. <setting>:
//   plain  no OpenTelemetry SDK;
//   otel   an OTel SDK with an active span (what an instrumented service runs in);
//   instrumentation-winston  the same SDK with @opentelemetry/instrumentation-winston
//          enabled before winston loads. It patches Winston process-wide, so it gets a
//          process of its own: its variants are Winston's own json(), with and without it.
//   doctor-off, doctor-on  no SDK; createLogger's line written straight from the request
//          and from a listener the request added, with the context doctor off or on (a
//          process each: the doctor is process-wide).
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { inRequest, startOtelSdk } from './request-context.mjs';
import { takeTurns } from './stats.mjs';

const MESSAGE = Symbol.for('message');

const [setting, callsArg, roundsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? 20_000);
const rounds = Number(roundsArg ?? 10);
const require = createRequire(import.meta.url);

const tracer =
  setting === 'otel' || setting === 'instrumentation-winston' ? startOtelSdk() : undefined;
if (setting === 'instrumentation-winston') {
  const { WinstonInstrumentation } = require('@opentelemetry/instrumentation-winston');
  // Log correlation only (ids onto the record), as traceFormat does: no log sending.
  new WinstonInstrumentation({ disableLogSending: true }).enable();
}

if (setting === 'doctor-on') {
  const { doctor } = await import('@tracebridge/core/doctor');
  doctor.enable();
}

const winston = require('winston');
const Transport = require('winston-transport');
const { captureOnWrite, createLogger, traceFormat } = await import('@tracebridge/core/winston');

/** Drops every line, keeping the last one: each variant's line is checked once. */
class Drop extends Transport {
  log(info, callback) {
    this.last = info[MESSAGE];
    callback();
  }
}

/** createLogger's default line (the record as JSON, keys in their order), for its floor. */
const jsonLine = winston.format((info) => {
  info[MESSAGE] = JSON.stringify(info);
  return info;
});

/** The floor: the same fields a trace format writes, as constants. */
function constants(ctx) {
  return winston.format((info) => {
    info.trace_id = ctx.traceId;
    info.span_id = ctx.spanId;
    info.trace_flags = '01';
    return info;
  })();
}

const logger = (format) => winston.createLogger({ format, transports: [new Drop()] });
const { combine, json } = winston.format;

/** A logger-like whose lines are written by a listener added now (in the request): the
 * doctor follows that listener and judges each line. */
function throughListener(log) {
  const emitter = new EventEmitter();
  emitter.on('log', (message, fields) => log.info(message, fields));
  return {
    info: (message, fields) => emitter.emit('log', message, fields),
    transports: log.transports,
  };
}

function variants(ctx) {
  if (setting === 'doctor-off' || setting === 'doctor-on') {
    return {
      createLogger: createLogger({ transports: [new Drop()] }),
      'createLogger in a listener': throughListener(createLogger({ transports: [new Drop()] })),
    };
  }
  if (setting === 'instrumentation-winston') {
    return { 'instrumentation-winston': logger(json()) };
  }
  return {
    'floor (constants + json)': logger(combine(constants(ctx), json())),
    'traceFormat + json + captureOnWrite': captureOnWrite(logger(combine(traceFormat(), json()))),
    'floor (constants + JSON line)': logger(combine(constants(ctx), jsonLine())),
    createLogger: createLogger({ transports: [new Drop()] }),
  };
}

const meta = { userId: 42, route: '/orders/:id' };
const samples = inRequest(tracer, (ctx) =>
  takeTurns(variants(ctx), {
    calls,
    rounds,
    call: (log) => log.info('order shipped', meta),
    // A variant that does not write the ids measures nothing worth comparing.
    check: (name, log) => {
      const line = String(log.transports[0].last);
      if (!line.includes(ctx.traceId)) throw new Error(`log-call: ${name} wrote no id: ${line}`);
    },
  }),
);
process.stdout.write(`${JSON.stringify(samples)}\n`);
