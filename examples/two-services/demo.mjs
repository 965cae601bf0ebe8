// The demo: starts the two services twice — wired with tracebridge, and the naive way —
// under the real OpenTelemetry SDK, drives the same burst of traffic at both (keep-alive,
// a few pipelined and a few aborted requests), then checks every log line against the
// exported spans and prints a scoreboard. Exits 0 only when tracebridge's side has no
// missing and no wrong id.
//
//   node demo.mjs [--requests 2000] [--concurrency 100] [--pipelined 50] [--aborted 20]
//                 [--out DIR] [--no-otel] [--verbose]
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

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '100' },
    pipelined: { type: 'string', default: '50' },
    aborted: { type: 'string', default: '20' },
    out: { type: 'string' },
    'no-otel': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

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
const out =
  values.out ??
  join(root, '.tracebridge-out', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const tty = process.stdout.isTTY === true;

// ---- the services -------------------------------------------------------------------

function start(side, service, env) {
  const dir = join(out, side, service);
  mkdirSync(dir, { recursive: true });
  const args = [
    ...(OTEL ? ['--require', join(here, '..', 'otel-sdk', 'otel.cjs')] : []),
    join(here, `${service}.cjs`),
  ];
  const child = spawn(process.execPath, args, {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...env,
      WIRING: side,
      LOG_FILE: join(dir, 'app.log.jsonl'),
      OTEL_SERVICE_NAME: `${service}-${side}`,
      TRACEBRIDGE_OTEL_DIR: dir,
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
          const timer = setTimeout(finish, 15_000);
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
      request: { right: 0, missing: 0, wrong: 0 },
      app: { right: 0, missing: 0, wrong: 0 },
    };
    const perRequest = new Map();
    for (const line of lines) {
      const expected = sent.get(line.demo_request)?.traceId;
      if (expected === undefined) continue;
      const bucket = tally[line.line === 'request' ? 'request' : 'app'];
      if (line.trace_id === undefined) bucket.missing++;
      else if (
        line.trace_id !== expected ||
        (OTEL && !spanIds.has(`${line.trace_id}/${line.span_id}`))
      )
        bucket.wrong++;
      else bucket.right++;
      if (line.line === 'request') {
        perRequest.set(line.demo_request, (perRequest.get(line.demo_request) ?? 0) + 1);
        requestTrace[line.demo_request] ??= {};
        requestTrace[line.demo_request][service] = line.trace_id;
      }
    }
    // Every request the client saw answered has exactly one request line in each service
    // (the stream route answers from the backend too).
    for (const [id, info] of sent) {
      if (info.side !== side || info.status !== 200) continue;
      const n = perRequest.get(id) ?? 0;
      if (n === 0) result.requestLines.missing++;
      if (n > 1) result.requestLines.duplicated++;
    }
    const otelLogs = readJsonLines(join(dir, 'logs.jsonl')).filter(
      (r) => typeof r.attributes?.demo_request === 'string',
    );
    const otelTally = { right: 0, missing: 0, wrong: 0 };
    for (const record of otelLogs) {
      const expected = sent.get(record.attributes.demo_request)?.traceId;
      if (expected === undefined) continue;
      if (record.traceId === undefined) otelTally.missing++;
      else if (record.traceId !== expected || !spanIds.has(`${record.traceId}/${record.spanId}`))
        otelTally.wrong++;
      else otelTally.right++;
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

const cell = (t) => `${t.right} / ${t.missing} / ${t.wrong}`.padEnd(24);

function print(results) {
  console.log(
    `\nLog lines checked against ${OTEL ? 'the exported spans' : 'the W3C traceparent sent'} — right / missing / wrong:\n`,
  );
  console.log(`  ${''.padEnd(34)}${'naive'.padEnd(24)}tracebridge`);
  for (const service of ['gateway', 'backend']) {
    for (const kind of ['request', 'app']) {
      const label = `${service} ${kind === 'request' ? 'request lines' : 'application lines'}`;
      console.log(
        `  ${label.padEnd(34)}${cell(results.naive.services[service][kind])}${cell(results.tracebridge.services[service][kind]).trim()}`,
      );
    }
    if (OTEL) {
      const [naive, tb] = [results.naive, results.tracebridge].map(
        (r) => r.services[service].otelLogRecords,
      );
      console.log(`  ${`${service} OTel LogRecords`.padEnd(34)}${cell(naive)}${cell(tb).trim()}`);
    }
  }
  const joins = (r) => `${r.joins.checked - r.joins.broken} of ${r.joins.checked}`.padEnd(24);
  console.log(
    `  ${'gateway ↔ backend joins'.padEnd(34)}${joins(results.naive)}${joins(results.tracebridge).trim()}`,
  );
  const lines = (r) =>
    `${r.requestLines.missing} missing, ${r.requestLines.duplicated} twice`.padEnd(24);
  console.log(
    `  ${'request lines per request'.padEnd(34)}${lines(results.naive)}${lines(results.tracebridge).trim()}`,
  );
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

// ---- run ----------------------------------------------------------------------------

const started = Date.now();
console.log(
  `tracebridge demo: ${REQUESTS} requests (concurrency ${CONCURRENCY}, keep-alive) + ${PIPELINED} pipelined + ${ABORTED} aborted, per side; ${OTEL ? 'OpenTelemetry SDK on' : 'no OpenTelemetry SDK (W3C traceparent only)'}`,
);
const running = [];
const results = {};
try {
  for (const side of ['naive', 'tracebridge']) {
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
writeFileSync(
  join(out, 'scoreboard.json'),
  `${JSON.stringify({ requests: REQUESTS, concurrency: CONCURRENCY, pipelined: PIPELINED, aborted: ABORTED, otel: OTEL, results }, null, 2)}\n`,
);
const ok = clean(results.tracebridge);
console.log(
  `\nLogs (JSON lines) and spans: ${relative(process.cwd(), out) || out}  (${Math.round((Date.now() - started) / 100) / 10} s)`,
);
console.log(
  ok
    ? 'tracebridge: every line carries the ids of its own request. ✔'
    : 'tracebridge: FAILED — see the table above.',
);
process.exit(ok ? 0 : 1);
