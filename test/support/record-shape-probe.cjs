// Run as `node --allow-natives-syntax record-shape-probe.cjs`: log records written every way
// tracebridge writes them — request lines, lines inside a context, bound and child loggers,
// and records that waited in Winston's buffer behind a slow transport — and prints, per way,
// how many reached the transport in V8's fast mode, in dictionary mode, and with this
// context's trace id. A record in dictionary mode costs every later format and transport
// (JSON.stringify, field stores) several times more.
const winston = require('winston');
const Transport = require('winston-transport');
const core = require('@tracebridge/core');
const {
  bindLogger,
  captureOnWrite,
  createLogger,
  traceFormat,
} = require('@tracebridge/core/winston');

const hasFastProperties = new Function('object', 'return %HasFastProperties(object)');
const COUNT = 200;
const ctx = core.newTraceContext({ requestId: 'req-1' });
// A request's context as the lifecycle makes it by default (no request id): the same ids.
const requestCtx = core.createTraceContext({
  traceId: ctx.traceId,
  spanId: ctx.spanId,
  traceFlags: ctx.traceFlags,
});
const results = {};

class Probe extends Transport {
  constructor(name, hold = false) {
    super();
    this.name = name;
    this.hold = hold;
    this.held = [];
  }
  log(info, callback) {
    results[this.name] ??= { fast: 0, dictionary: 0, ids: 0 };
    const seen = results[this.name];
    if (hasFastProperties(info)) seen.fast++;
    else seen.dictionary++;
    if (info.trace_id === ctx.traceId) seen.ids++;
    // A slow transport: Winston's stream fills up and buffers the records still to format.
    if (this.hold) this.held.push(callback);
    else callback();
  }
  release() {
    const held = this.held.splice(0);
    for (const callback of held) callback();
  }
}

const done = {
  context: requestCtx,
  req: {
    method: 'GET',
    url: '/orders/7?page=2',
    headers: { 'user-agent': 'probe' },
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1' },
  },
  res: { statusCode: 200, getHeader: () => undefined },
  statusCode: 200,
  aborted: false,
  error: undefined,
  startTime: 0n,
  timeToFirstByteMs: 0.4,
  durationMs: 1.25,
};

function requestLines(logger, context = requestCtx) {
  const write = core.createRequestLog({ logger });
  for (let i = 0; i < COUNT; i++) write({ ...done, context });
}

const viaCreateLogger = (name, hold) => createLogger({ transports: [new Probe(name, hold)] });

requestLines(viaCreateLogger('request line, createLogger'));
requestLines(
  captureOnWrite(
    winston.createLogger({
      format: winston.format.combine(traceFormat(), winston.format.json()),
      transports: [new Probe('request line, traceFormat + format.json()')],
    }),
  ),
);
// With a request id too: 18 fields before Winston's own, for the record in transports.
requestLines(viaCreateLogger('request line with a request id'), ctx);
const inContext = viaCreateLogger('logger.info in the context');
core.run(ctx, () => {
  for (let i = 0; i < COUNT; i++) inContext.info('order handled', { route: '/orders/:id' });
});
const bound = bindLogger(viaCreateLogger('bound logger'), ctx);
for (let i = 0; i < COUNT; i++) bound.info('order handled', { route: '/orders/:id' });
const child = viaCreateLogger('child logger').child({ component: 'orders' });
core.run(ctx, () => {
  for (let i = 0; i < COUNT; i++) child.info('order handled', { route: '/orders/:id' });
});

// Buffered: the transport holds its callbacks, so Winston formats most records later, after
// write() returned — from the mark captureOnWrite left on them.
const slow = new Probe('buffered behind a slow transport', true);
const buffered = createLogger({ transports: [slow] });
core.run(ctx, () => {
  for (let i = 0; i < COUNT; i++) buffered.info('order handled', { route: '/orders/:id' });
});
const slowLines = new Probe('request line, buffered', true);
requestLines(createLogger({ transports: [slowLines] }));

// Let the held records through, until both transports have seen all of them.
let rounds = 0;
const drain = () => {
  slow.release();
  slowLines.release();
  const pending = [slow, slowLines].some(
    (t) => (results[t.name]?.fast ?? 0) + (results[t.name]?.dictionary ?? 0) < COUNT,
  );
  if (pending && ++rounds < 1000) setImmediate(drain);
  else process.stdout.write(`${JSON.stringify({ count: COUNT, results })}\n`);
};
setImmediate(drain);
