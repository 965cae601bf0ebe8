// The cost of one pino log call with tracebridge, variants taking turns in one process
// (A B A B …):
//   node pino-call.mjs <setting> <calls per sample> <rounds>
//   → prints {"<variant>": [ns per call, …], …}
//
// Every variant is a pino logger writing to the same destination (one that keeps the last
// line) and logs the same call inside the same request context. <setting>:
//   mixin  traceMixin, against the same mixin writing the three id fields as constants;
//   bound  a bound logger (req.log: a child whose log formatter writes the request's ids),
//          against a child whose log formatter writes them as constants;
//   otel   traceMixin inside an active span of an OpenTelemetry SDK (what an instrumented
//          service runs in), beside the same floor;
//   instrumentation-pino  the same SDK with @opentelemetry/instrumentation-pino enabled
//          before pino loads (it patches pino process-wide: a process of its own), on a
//          plain pino logger — what OTel users pick instead of traceMixin.
// Each setting runs in processes of its own: pino's code sees only its two kinds of logger.
import { createRequire } from 'node:module';
import { inRequest, startOtelSdk } from './request-context.mjs';
import { takeTurns } from './stats.mjs';

const [setting, callsArg, roundsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? 20_000);
const rounds = Number(roundsArg ?? 10);
const require = createRequire(import.meta.url);

const tracer =
  setting === 'otel' || setting === 'instrumentation-pino' ? startOtelSdk() : undefined;
if (setting === 'instrumentation-pino') {
  const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino');
  // Log correlation only (ids onto the line), as traceMixin does: no log sending.
  new PinoInstrumentation({ disableLogSending: true }).enable();
}

const pino = require('pino');
const { bindLogger } = await import('@tracebridge/core');
const { traceMixin } = await import('@tracebridge/core/pino');

/** Keeps the last line: each variant's line is checked once. */
const drop = () => ({
  last: '',
  write(line) {
    this.last = line;
  },
});

function variants(ctx) {
  const constants = () => ({ trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: '01' });
  if (setting === 'instrumentation-pino') {
    return { 'instrumentation-pino': pino({}, drop()) };
  }
  if (setting === 'mixin' || setting === 'otel') {
    return {
      'floor (a mixin writing constants)': pino({ mixin: constants }, drop()),
      traceMixin: pino({ mixin: traceMixin() }, drop()),
    };
  }
  if (setting === 'bound') {
    const log = (object) => Object.assign(object, constants());
    return {
      'floor (a child whose log formatter writes constants)': pino({}, drop()).child(
        {},
        { formatters: { log } },
      ),
      'bound logger (req.log)': bindLogger(pino({}, drop())),
    };
  }
  throw new Error(`pino-call: unknown setting ${setting}`);
}

const meta = { userId: 42, route: '/orders/:id' };
const samples = inRequest(tracer, (ctx) =>
  takeTurns(variants(ctx), {
    calls,
    rounds,
    call: (log) => log.info(meta, 'order shipped'),
    check: (name, log) => {
      const last = String(log[pino.symbols.streamSym].last);
      if (!last.includes(ctx.traceId)) throw new Error(`pino-call: ${name} wrote no id: ${last}`);
    },
  }),
);
process.stdout.write(`${JSON.stringify(samples)}\n`);
