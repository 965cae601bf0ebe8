// The demo: starts the two services three times — wired the naive way (a hand-written
// AsyncLocalStorage middleware), the way OpenTelemetry's auto-instrumentation users run them
// (instrumentation-winston on, nothing else), and with tracebridge — under the real
// OpenTelemetry SDK with the standard getNodeAutoInstrumentations() set; drives the same
// traffic at each (keep-alive, pipelined and aborted requests); then checks every log line
// and LogRecord against the exported spans and prints a scoreboard. Exits 0 only when
// tracebridge's side has no missing and no wrong id. `--help` lists the flags.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const HELP = `Usage: node examples/two-services/demo.mjs [flags]   (pnpm demo [flags])

  --requests N      keep-alive requests per side (default 2000)
  --concurrency N   keep-alive connections per side (default 100)
  --pipelined N     pipelined requests per side, 5 per connection (default 50)
  --aborted N       requests the client drops before the answer, per side (default 20)
  --out DIR         where the logs, spans and scoreboard go (default .tracebridge-out/demo-…)
  --no-otel         no OpenTelemetry SDK: W3C traceparent only, two sides
  --fastify         the backend on Fastify and pino (default: Koa and Winston)
  --doctor          one more side, tracebridge with the services' late callbacks left
                    unbound; the context doctor runs on both tracebridge sides and its
                    report (where lines lost their request) is printed at the end
  --help            this text
`;

// `pnpm demo -- --flag` hands the script a literal `--` first: skip it.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

let values;
try {
  ({ values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '100' },
      pipelined: { type: 'string', default: '50' },
      aborted: { type: 'string', default: '20' },
      out: { type: 'string' },
      'no-otel': { type: 'boolean', default: false },
      fastify: { type: 'boolean', default: false },
      doctor: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`tracebridge demo: ${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function count(name, min) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`tracebridge demo: --${name} takes a whole number of at least ${min}`);
    process.exit(2);
  }
  return n;
}
const REQUESTS = count('requests', 1);
const CONCURRENCY = count('concurrency', 1);
const PIPELINED = count('pipelined', 0);
const ABORTED = count('aborted', 0);
const OTEL = !values['no-otel'];
const DOCTOR = values.doctor;
/** The sides the context doctor watches (with --doctor): the two wired with tracebridge. */
const doctorWatches = (side) => DOCTOR && (side === 'tracebridge' || side === 'unbound');
const out =
  values.out ??
  join(root, '.tracebridge-out', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const tty = process.stdout.isTTY === true;

// ---- the services -------------------------------------------------------------------

function start(side, service, env) {
  const dir = join(out, side, service);
  mkdirSync(dir, { recursive: true });
  const program = service === 'backend' && values.fastify ? 'backend-fastify' : service;
  const args = [
    ...(doctorWatches(side) ? ['--require', '@tracebridge/core/doctor/register'] : []),
    ...(OTEL ? ['--require', join(here, '..', 'otel-sdk', 'otel.cjs')] : []),
    join(here, `${program}.cjs`),
  ];
  const child = spawn(process.execPath, args, {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...env,
      WIRING: side,
      ...(OTEL && { TRACEBRIDGE_OTEL_AUTO: '1' }),
      LOG_FILE: join(dir, 'app.log.jsonl'),
      OTEL_SERVICE_NAME: `${service}-${side}`,
      TRACEBRIDGE_OTEL_DIR: dir,
      ...(doctorWatches(side) && { TRACEBRIDGE_DOCTOR_FILE: join(dir, 'doctor.json') }),
    },
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      const match = /\{"listening":(\d+)\}/.exec(buffer);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, port: Number(match[1]), dir, service, side });
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${service} (${side}) exited with ${code} before listening`)),
    );
  });
}

function stop({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---- the traffic --------------------------------------------------------------------

const sent = new Map(); // demo request id → { traceId, side, kind, status }

function traceparentFor(id, side, kind) {
  const traceId = randomBytes(16).toString('hex');
  sent.set(id, { traceId, side, kind, status: 0 });
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

let done = 0;
let total = 0;
let unanswered = 0;
function progress() {
  done++;
  if (!tty) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(
    `\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} requests`,
  );
}

async function burst(side, port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const n = next++;
      const id = `${side}-${n}`;
      const path = n % 10 === 9 ? `/orders/${n}/stream` : `/orders/${n}`;
      const headers = { traceparent: traceparentFor(id, side, 'keep-alive'), 'x-demo-request': id };
      await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
          res.resume();
          res.on('end', () => {
            sent.get(id).status = res.statusCode;
            progress();
            resolve();
          });
        });
        req.on('error', () => {
          progress();
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
}

async function pipelined(side, port) {
  const perConnection = 5;
  const connections = Math.ceil(PIPELINED / perConnection);
  await Promise.all(
    Array.from(
      { length: connections },
      (_, c) =>
        new Promise((resolve) => {
          const ids = Array.from(
            { length: perConnection },
            (_, i) => `${side}-p${c * perConnection + i}`,
          );
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.write(
              ids
                .map(
                  (id) =>
                    `GET /orders/${id} HTTP/1.1\r\nHost: demo\r\ntraceparent: ${traceparentFor(id, side, 'pipelined')}\r\nx-demo-request: ${id}\r\n\r\n`,
                )
                .join(''),
            );
          });
          let text = '';
          socket.setEncoding('latin1');
          const finish = () => {
            const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
            ids.forEach((id, i) => {
              if (statuses[i] !== undefined) sent.get(id).status = statuses[i];
              progress();
            });
            socket.destroy();
            resolve();
          };
          // Bounded, generously: a busy machine answers late, but it answers.
          const timer = setTimeout(() => {
            unanswered += ids.length - (text.match(/"price":42\}/g) ?? []).length;
            finish();
          }, 120_000);
          socket.on('data', (chunk) => {
            text += chunk;
            const complete = (text.match(/"price":42\}/g) ?? []).length;
            if (complete >= perConnection) {
              clearTimeout(timer);
              finish();
            }
          });
          socket.on('error', () => undefined);
        }),
    ),
  );
}

async function aborted(side, port) {
  await Promise.all(
    Array.from({ length: ABORTED }, (_, n) => {
      const id = `${side}-a${n}`;
      return new Promise((resolve) => {
        const req = http.get({
          host: '127.0.0.1',
          port,
          path: `/orders/${n}`,
          agent: false,
          headers: { traceparent: traceparentFor(id, side, 'aborted'), 'x-demo-request': id },
        });
        req.on('error', () => undefined);
        req.on('close', () => {
          progress();
          resolve();
        });
        req.on('finish', () => setTimeout(() => req.destroy(), 2 + Math.random() * 4));
      });
    }),
  );
}

// ---- the scoreboard -----------------------------------------------------------------

function readJsonLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const SERVER = 1; // SpanKind.SERVER
/**
 * A line's ids against its request's: right; missing; wrong (another trace; or, for a
 * request line, a span other than the request's HTTP server span); or unexported — the
 * right trace, naming a span the SDK never exported (not a wrong id: a span still open at
 * shutdown, say).
 */
function classify(traceId, spanId, expected, spanIds, requestLine = false) {
  if (traceId === undefined || traceId === '') return 'missing';
  if (traceId !== expected) return 'wrong';
  if (!OTEL) return 'right';
  const span = spanIds.get(`${traceId}/${spanId}`);
  if (span === undefined) return 'unexported';
  return requestLine && span.kind !== SERVER ? 'wrong' : 'right';
}

function score(side, services) {
  const result = {
    services: {},
    joins: { checked: 0, broken: 0 },
    requestLines: { missing: 0, duplicated: 0 },
  };
  const requestTrace = {}; // demo id → { gateway: traceId, backend: traceId }
  for (const { service, dir } of services) {
    const spans = readJsonLines(join(dir, 'spans.jsonl'));
    const spanIds = new Map();
    for (const s of spans) spanIds.set(`${s.traceId}/${s.spanId}`, s);
    const lines = readJsonLines(join(dir, 'app.log.jsonl')).filter(
      (l) => typeof l.demo_request === 'string' && l.demo_request !== '',
    );
    const tally = {
      request: { right: 0, missing: 0, wrong: 0, unexported: 0 },
      app: { right: 0, missing: 0, wrong: 0, unexported: 0 },
    };
    const perRequest = new Map();
    for (const line of lines) {
      const expected = sent.get(line.demo_request)?.traceId;
      if (expected === undefined) continue;
      const bucket = tally[line.line === 'request' ? 'request' : 'app'];
      bucket[classify(line.trace_id, line.span_id, expected, spanIds, line.line === 'request')]++;
      if (line.line === 'request') {
        perRequest.set(line.demo_request, (perRequest.get(line.demo_request) ?? 0) + 1);
        requestTrace[line.demo_request] ??= {};
        requestTrace[line.demo_request][service] = line.trace_id;
      }
    }
    // Every request the gateway got has exactly one request line there — aborted ones
    // included; every request answered, one in the backend too (an aborted one may never
    // have reached it). A request the client dropped before the gateway read it was never
    // a request there: the gateway saw it when it has a span of its trace (with OTel), or
    // any line of it.
    const traces = new Set(spans.map((s) => s.traceId));
    const logged = new Set(lines.map((l) => l.demo_request));
    const seen = (id, info) => (OTEL ? traces.has(info.traceId) : logged.has(id));
    for (const [id, info] of sent) {
      if (info.side !== side) continue;
      if (service === 'backend' && info.status !== 200) continue;
      if (service === 'gateway' && info.status !== 200 && !seen(id, info)) continue;
      const n = perRequest.get(id) ?? 0;
      if (n === 0) result.requestLines.missing++;
      if (n > 1) result.requestLines.duplicated++;
    }
    const otelLogs = readJsonLines(join(dir, 'logs.jsonl')).filter(
      (r) => typeof r.attributes?.demo_request === 'string',
    );
    const otelTally = { right: 0, missing: 0, wrong: 0, unexported: 0 };
    for (const record of otelLogs) {
      const expected = sent.get(record.attributes.demo_request)?.traceId;
      if (expected === undefined) continue;
      otelTally[classify(record.traceId, record.spanId, expected, spanIds)]++;
    }
    result.services[service] = { ...tally, otelLogRecords: otelTally, spans: spans.length };
  }
  for (const [id, traces] of Object.entries(requestTrace)) {
    if (sent.get(id)?.status !== 200 || traces.gateway === undefined) continue;
    result.joins.checked++;
    if (traces.backend !== traces.gateway || traces.gateway !== sent.get(id).traceId)
      result.joins.broken++;
  }
  return result;
}

const LABELS = {
  naive: 'naive ALS',
  'otel-auto': 'OTel auto-instr.',
  tracebridge: 'tracebridge',
  unbound: 'tracebridge, unbound',
};
const WIDTH = 24;
const cell = (t) =>
  `${t.right} / ${t.missing} / ${t.wrong}${t.unexported > 0 ? ` (+${t.unexported}*)` : ''}`;

function print(results) {
  const sides = Object.keys(results);
  console.log(
    `\nLog lines checked against ${OTEL ? 'the exported spans' : 'the W3C traceparent sent'} — right / missing / wrong:\n`,
  );
  const row = (label, cells) =>
    console.log(
      `  ${label.padEnd(30)}${cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(WIDTH) : c)).join('')}`,
    );
  row(
    '',
    sides.map((side) => LABELS[side]),
  );
  for (const service of ['gateway', 'backend']) {
    for (const kind of ['request', 'app']) {
      const label = `${service} ${kind === 'request' ? 'request lines' : 'application lines'}`;
      row(
        label,
        sides.map((side) => cell(results[side].services[service][kind])),
      );
    }
    if (OTEL) {
      row(
        `${service} OTel LogRecords`,
        sides.map((side) => cell(results[side].services[service].otelLogRecords)),
      );
    }
  }
  row(
    'gateway ↔ backend joins',
    sides.map(
      (side) =>
        `${results[side].joins.checked - results[side].joins.broken} of ${results[side].joins.checked}`,
    ),
  );
  row(
    'request lines per request',
    sides.map(
      (side) =>
        `${results[side].requestLines.missing} missing, ${results[side].requestLines.duplicated} twice`,
    ),
  );
  const unexported = sides.some((side) =>
    Object.values(results[side].services).some((s) =>
      [s.request, s.app, s.otelLogRecords].some((t) => t.unexported > 0),
    ),
  );
  if (unexported) {
    console.log(
      '\n  * the right trace, naming a span the SDK never exported (not counted as wrong)',
    );
  }
  if (unanswered > 0)
    console.log(`\n  ${unanswered} pipelined requests went unanswered within 120 s`);
}

function clean(result) {
  const services = Object.values(result.services);
  return (
    services.every(
      (s) => s.request.missing + s.request.wrong + s.app.missing + s.app.wrong === 0,
    ) &&
    services.every((s) => s.otelLogRecords.missing + s.otelLogRecords.wrong === 0) &&
    services.every((s) => s.request.right > 0 && s.app.right > 0) &&
    result.joins.broken === 0 &&
    result.joins.checked > 0 &&
    result.requestLines.missing + result.requestLines.duplicated === 0
  );
}

// ---- the context doctor (--doctor) ---------------------------------------------------

/** Prints what the doctor found in each service it watched; whether the tracebridge side
 * (callbacks bound) came out clean. */
async function printDoctor(services) {
  const { format } = await import('@tracebridge/core/doctor');
  let tracebridgeClean = true;
  for (const { side, service, dir } of services) {
    if (!doctorWatches(side)) continue;
    const file = join(dir, 'doctor.json');
    if (!existsSync(file)) {
      console.log(`\nThe context doctor wrote no report for the ${service} (${LABELS[side]}).`);
      if (side === 'tracebridge') tracebridgeClean = false;
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8'));
    if (side === 'tracebridge' && report.findings.length > 0) tracebridgeClean = false;
    console.log(`\nThe context doctor, ${service} (${LABELS[side]}):`);
    console.log(format(report).replace(/^(?=.)/gm, '  '));
  }
  return tracebridgeClean;
}

// ---- run ----------------------------------------------------------------------------

const started = Date.now();
console.log(
  `tracebridge demo: ${REQUESTS} requests (concurrency ${CONCURRENCY}, keep-alive) + ${PIPELINED} pipelined + ${ABORTED} aborted, per side; ${OTEL ? 'OpenTelemetry SDK on' : 'no OpenTelemetry SDK (W3C traceparent only)'}; backend on ${values.fastify ? 'Fastify + pino' : 'Koa + Winston'}`,
);
const running = [];
const results = {};
try {
  const sides = OTEL ? ['naive', 'otel-auto', 'tracebridge'] : ['naive', 'tracebridge'];
  if (DOCTOR) sides.push('unbound');
  for (const side of sides) {
    const backend = await start(side, 'backend', {});
    running.push(backend);
    const gateway = await start(side, 'gateway', {
      BACKEND_URL: `http://127.0.0.1:${backend.port}`,
    });
    running.push(gateway);
    if (tty) process.stdout.write(`\n  ${side}:\n`);
    else console.log(`  driving the ${side} services…`);
    done = 0;
    total = REQUESTS + Math.ceil(PIPELINED / 5) * 5 + ABORTED;
    await Promise.all([
      burst(side, gateway.port),
      pipelined(side, gateway.port),
      aborted(side, gateway.port),
    ]);
    if (tty) process.stdout.write('\n');
    await Promise.all([stop(gateway), stop(backend)]);
    results[side] = score(side, [gateway, backend]);
  }
} finally {
  await Promise.all(running.map(stop));
}
print(results);
const doctorClean = DOCTOR ? await printDoctor(running) : true;
writeFileSync(
  join(out, 'scoreboard.json'),
  `${JSON.stringify({ requests: REQUESTS, concurrency: CONCURRENCY, pipelined: PIPELINED, aborted: ABORTED, otel: OTEL, results }, null, 2)}\n`,
);
const ok = clean(results.tracebridge) && doctorClean;
console.log(
  `\nLogs (JSON lines) and spans: ${relative(process.cwd(), out) || out}  (${Math.round((Date.now() - started) / 100) / 10} s)`,
);
console.log(
  ok
    ? 'tracebridge: every line carries the ids of its own request. ✔'
    : 'tracebridge: FAILED — see the table above.',
);
process.exit(ok ? 0 : 1);
