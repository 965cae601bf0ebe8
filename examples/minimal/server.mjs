// A plain node:http service that does what real ones do and what breaks naive context:
// a response-time log line in res.on('finish'), a connection pool created lazily by the
// first request, and a process-wide event bus. Run it with --demo to fire concurrent
// requests at the tracebridge version and at the naive AsyncLocalStorage version and
// compare the trace ids in their log lines.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { bind, createRequestLifecycle, current } from '@tracebridge/core';

/** Log lines as JSON objects; printed with --verbose, always counted. */
function createLog(name, verbose) {
  const lines = [];
  return {
    lines,
    write(record) {
      lines.push(record);
      if (verbose) process.stdout.write(`${JSON.stringify({ service: name, ...record })}\n`);
    },
  };
}

/** Shared resources: a bus ticking from a startup timer, a pool made by its first user. */
function createResources() {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const tick = setInterval(() => bus.emit('tick'), 2);
  let pool;
  return {
    bus,
    pool() {
      if (pool === undefined) {
        const pending = [];
        const timer = setInterval(() => {
          for (const cb of pending.splice(0)) cb();
        }, 3);
        pool = { query: (cb) => pending.push(cb), stop: () => clearInterval(timer) };
      }
      return pool;
    },
    stop() {
      clearInterval(tick);
      pool?.stop();
    },
  };
}

/** The same service twice: `context` says how it keeps the request's trace id. */
function createService(context, log) {
  const resources = createResources();
  let n = 0;
  const server = http.createServer((req, res) => {
    context.enter(req, res, () => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.write({
          msg: 'response time',
          kind: 'finish',
          expected: req.headers['x-expect'],
          trace_id: context.traceId(),
          ms,
        });
      });
      const answer = (kind) =>
        context.wrap(() => {
          log.write({
            msg: `answered from ${kind}`,
            kind,
            expected: req.headers['x-expect'],
            trace_id: context.traceId(),
          });
          res.end('ok\n');
        });
      if (n++ % 2 === 0) resources.pool().query(answer('pool'));
      else resources.bus.once('tick', answer('bus'));
    });
  });
  return { server, stop: () => resources.stop() };
}

const tracebridge = () => {
  const lifecycle = createRequestLifecycle({ traceResponse: true });
  return {
    enter: (req, res, next) => lifecycle.handle(req, res, next),
    traceId: () => current()?.traceId,
    wrap: bind,
  };
};

const naive = () => {
  const als = new AsyncLocalStorage();
  const traceIdOf = (req) =>
    /^00-([0-9a-f]{32})-/.exec(req.headers.traceparent ?? '')?.[1] ??
    randomBytes(16).toString('hex');
  return {
    enter: (req, _res, next) => als.run({ traceId: traceIdOf(req) }, next),
    traceId: () => als.getStore()?.traceId,
    wrap: (fn) => fn,
  };
};

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(server.address().port)),
  );
}

async function drive(port, requests, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const traceId = randomBytes(16).toString('hex');
      await new Promise((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port,
            agent,
            headers: {
              traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
              'x-expect': traceId,
            },
          },
          (res) => res.resume().on('end', resolve),
        );
        req.on('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

function score(lines) {
  const byKind = {};
  for (const line of lines) {
    byKind[line.kind] ??= { right: 0, missing: 0, wrong: 0 };
    const s = byKind[line.kind];
    if (line.trace_id === undefined) s.missing++;
    else if (line.trace_id === line.expected) s.right++;
    else s.wrong++;
  }
  return byKind;
}

async function demo({ requests, concurrency, verbose }) {
  const results = {};
  for (const [name, make] of [
    ['naive ALS', naive],
    ['tracebridge', tracebridge],
  ]) {
    const log = createLog(name, verbose);
    const service = createService(make(), log);
    const port = await listen(service.server);
    await drive(port, requests, concurrency);
    await new Promise((resolve) => setTimeout(resolve, 50));
    service.server.closeAllConnections();
    await new Promise((resolve) => service.server.close(resolve));
    service.stop();
    results[name] = score(log.lines);
  }
  console.log(
    `\n${requests} requests, ${concurrency} concurrent, keep-alive — trace ids in log lines (right / missing / wrong):\n`,
  );
  const kinds = ['finish', 'pool', 'bus'];
  console.log(
    `${'log line'.padEnd(28)}${Object.keys(results)
      .map((n) => n.padEnd(22))
      .join('')}`,
  );
  for (const kind of kinds) {
    const cells = Object.values(results).map((r) => {
      const s = r[kind] ?? { right: 0, missing: 0, wrong: 0 };
      return `${s.right} / ${s.missing} / ${s.wrong}`.padEnd(22);
    });
    console.log(
      `${(kind === 'finish' ? "res.on('finish')" : `answered from ${kind}`).padEnd(28)}${cells.join('')}`,
    );
  }
  const tb = Object.values(results.tracebridge);
  const ok =
    tb.every((s) => s.missing === 0 && s.wrong === 0) &&
    tb.reduce((a, s) => a + s.right, 0) === requests * 2;
  console.log(
    ok
      ? "\ntracebridge: every line carries its own request's trace id."
      : '\ntracebridge: FAILED — see the table.',
  );
  return ok;
}

const { values } = parseArgs({
  options: {
    demo: { type: 'boolean', default: false },
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    port: { type: 'string', default: '3000' },
    verbose: { type: 'boolean', default: false },
  },
});

if (values.demo) {
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  if (
    !Number.isInteger(requests) ||
    requests < 1 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1
  ) {
    console.error('tracebridge demo: --requests and --concurrency take whole numbers above 0');
    process.exit(2);
  }
  process.exit((await demo({ requests, concurrency, verbose: values.verbose })) ? 0 : 1);
} else {
  const service = createService(tracebridge(), createLog('minimal', true));
  service.server.listen(Number(values.port), '127.0.0.1', () => {
    console.log(
      `listening on http://127.0.0.1:${values.port} — try: curl -i http://127.0.0.1:${values.port}/`,
    );
  });
}
