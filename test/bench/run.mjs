#!/usr/bin/env node
// tracebridge's benchmarks, measured like for like against what users would pick instead:
//
//   pnpm bench                      every section (about 9 minutes on 2 cores)
//   pnpm bench --smoke              a short run that only checks everything works
//   pnpm bench --only log,express   some sections (log, pino, express, koa, fastify, doctor,
//                                   heap)
//
// Prints one summary table; a full run also writes test/bench/results/latest.json.
// docs/benchmarks.md says what each row measures and how.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { median, table } from './stats.mjs';

const here = import.meta.dirname;
const autocannon = createRequire(import.meta.url)('autocannon');

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string', default: 'log,pino,express,koa,fastify,doctor,heap' },
  },
});
const smoke = values.smoke;
const sections = new Set(values.only.split(','));
const known = new Set(['log', 'pino', 'express', 'koa', 'fastify', 'doctor', 'heap']);
for (const name of sections) {
  if (!known.has(name)) {
    console.error(`bench: unknown section "${name}" (${[...known].join(', ')})`);
    process.exit(2);
  }
}

const settings = smoke
  ? {
      logCalls: 2_000,
      logRounds: 3,
      logProcesses: 1,
      httpRounds: 1,
      seconds: 1,
      heapRequests: 4_000,
    }
  : {
      logCalls: 20_000,
      logRounds: 15,
      logProcesses: 3,
      httpRounds: 4,
      seconds: 6,
      heapRequests: 100_000,
    };
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Rows of the summary: what was compared, the ratio, the guard rail and whether it holds. */
const summary = [];
const results = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  smoke,
  date: new Date().toISOString(),
};

function note(measure, ratio, rail, holds, detail) {
  summary.push([measure, ratio.toFixed(3), rail, holds ? 'yes' : 'NO', detail]);
}

// ---- 1. the log call ---------------------------------------------------------------------

function logCall(setting) {
  const out = execFileSync(
    process.execPath,
    [join(here, 'log-call.mjs'), setting, String(settings.logCalls), String(settings.logRounds)],
    { encoding: 'utf8', cwd: here },
  );
  return JSON.parse(out);
}

/** The median, over rounds, of a[i] / b[i]: each pair ran side by side. */
function pairedRatio(a, b) {
  return median(a.map((x, i) => x / b[i]));
}

function logSection() {
  const runs = { plain: [], otel: [], 'instrumentation-winston': [] };
  for (let i = 0; i < settings.logProcesses; i++) {
    for (const setting of Object.keys(runs)) runs[setting].push(logCall(setting));
  }
  const ownFormat = 'traceFormat + json + captureOnWrite';
  const rows = {};
  for (const setting of ['plain', 'otel']) {
    const pair = (variant, floor) =>
      median(runs[setting].map((r) => pairedRatio(r[variant], r[floor])));
    rows[setting] = {
      createLogger: pair('createLogger', 'floor (constants + JSON line)'),
      ownFormat: pair(ownFormat, 'floor (constants + json)'),
      ns: Object.fromEntries(
        Object.keys(runs[setting][0]).map((v) => [
          v,
          median(runs[setting].map((r) => median(r[v]))),
        ]),
      ),
    };
  }
  // instrumentation-winston patches Winston process-wide: it runs in processes of its own,
  // compared by the medians of processes that took turns with the `otel` ones.
  const instrumented = median(
    runs['instrumentation-winston'].map((r) => median(r['instrumentation-winston'])),
  );
  const vsInstrumentation = rows.otel.ns[ownFormat] / instrumented;
  results.logCall = { ...rows, instrumentationWinstonNs: instrumented };
  for (const setting of ['plain', 'otel']) {
    const label = setting === 'plain' ? 'no OTel SDK' : 'OTel SDK, active span';
    note(
      `log call: createLogger ÷ floor (${label})`,
      rows[setting].createLogger,
      '≤ 1.05',
      rows[setting].createLogger <= 1.05,
      `${rows[setting].ns.createLogger.toFixed(0)} ns`,
    );
    note(
      `log call: own format ÷ floor (${label})`,
      rows[setting].ownFormat,
      '≤ 1.05',
      rows[setting].ownFormat <= 1.05,
      `${rows[setting].ns[ownFormat].toFixed(0)} ns`,
    );
  }
  note(
    'log call: own format ÷ instrumentation-winston',
    vsInstrumentation,
    '< 1',
    vsInstrumentation < 1,
    `${instrumented.toFixed(0)} ns instrumentation-winston`,
  );
}

function pinoCall(setting) {
  const out = execFileSync(
    process.execPath,
    [join(here, 'pino-call.mjs'), setting, String(settings.logCalls), String(settings.logRounds)],
    { encoding: 'utf8', cwd: here },
  );
  return JSON.parse(out);
}

function pinoSection() {
  const runs = { mixin: [], bound: [], otel: [], 'instrumentation-pino': [] };
  for (let i = 0; i < settings.logProcesses; i++) {
    for (const setting of Object.keys(runs)) runs[setting].push(pinoCall(setting));
  }
  const compare = (setting, variant, floor) => ({
    ratio: median(runs[setting].map((r) => pairedRatio(r[variant], r[floor]))),
    ns: median(runs[setting].map((r) => median(r[variant]))),
  });
  const mixinFloor = 'floor (a mixin writing constants)';
  const mixin = compare('mixin', 'traceMixin', mixinFloor);
  const otelMixin = compare('otel', 'traceMixin', mixinFloor);
  const bound = compare(
    'bound',
    'bound logger (req.log)',
    'floor (a child whose log formatter writes constants)',
  );
  // instrumentation-pino patches pino process-wide: compared by the medians of processes
  // that took turns with the `otel` ones.
  const instrumented = median(
    runs['instrumentation-pino'].map((r) => median(r['instrumentation-pino'])),
  );
  const vsInstrumentation = otelMixin.ns / instrumented;
  results.pinoCall = {
    traceMixin: mixin,
    traceMixinOtel: otelMixin,
    boundLogger: bound,
    instrumentationPinoNs: instrumented,
  };
  note(
    'pino log call: traceMixin ÷ a mixin writing constants (no OTel SDK)',
    mixin.ratio,
    '≤ 1.05',
    mixin.ratio <= 1.05,
    `${mixin.ns.toFixed(0)} ns`,
  );
  note(
    'pino log call: traceMixin ÷ a mixin writing constants (OTel SDK, active span)',
    otelMixin.ratio,
    '≤ 1.05',
    otelMixin.ratio <= 1.05,
    `${otelMixin.ns.toFixed(0)} ns`,
  );
  note(
    'pino log call: traceMixin ÷ instrumentation-pino',
    vsInstrumentation,
    '< 1',
    vsInstrumentation < 1,
    `${instrumented.toFixed(0)} ns instrumentation-pino`,
  );
  note(
    'pino log call: req.log ÷ a child writing constants',
    bound.ratio,
    '≤ 1.05',
    bound.ratio <= 1.05,
    `${bound.ns.toFixed(0)} ns`,
  );
}

// ---- 2. HTTP: req/s with each middleware, over the bare app of the same round ------------

async function startServer(app, flags = [], env = {}) {
  const child = spawn(process.execPath, [...flags, join(here, 'server.mjs'), app], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const { port } = JSON.parse(line);
  return {
    url: `http://127.0.0.1:${port}`,
    async stats() {
      const response = await fetch(`http://127.0.0.1:${port}/__stats`);
      return response.json();
    },
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function load(url, options) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: 10, headers: { traceparent: TRACEPARENT }, ...options },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** One measured run of `app`: a fresh process, a warm-up, then `seconds` of load. */
async function measure(app, flags = [], env = {}) {
  const server = await startServer(app, flags, env);
  try {
    await load(server.url, { duration: smoke ? 0.5 : 2 });
    const before = await server.stats();
    const result = await load(server.url, { duration: settings.seconds });
    const after = await server.stats();
    if (result.errors > 0 || result.non2xx > 0) {
      throw new Error(`bench: ${app} answered ${result.errors} errors, ${result.non2xx} non-2xx`);
    }
    const requests = result.requests.total;
    const lines = after.lines - before.lines;
    if (!app.endsWith(':bare') && lines < requests) {
      throw new Error(`bench: ${app} logged ${lines} lines for ${requests} requests`);
    }
    return {
      rps: requests / (result.duration ?? settings.seconds),
      cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / requests,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Each variant in a fresh process, the variants taking turns round by round; a variant's
 * ratio is the median over rounds of its req/s over the bare app's in the same round.
 * `pairs`: [tracebridge variant, the alternative using the same logger], for the guard rail.
 */
async function httpSection(framework, variants, pairs) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < settings.httpRounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length];
      samples[variant].push(await measure(`${framework}:${variant}`));
    }
  }
  const ratio = (variant) => median(samples[variant].map((s, i) => s.rps / samples.bare[i].rps));
  results[framework] = Object.fromEntries(
    variants.map((v) => [
      v,
      {
        rps: median(samples[v].map((s) => s.rps)),
        ratioToBare: ratio(v),
        cpuMicrosPerRequest: median(samples[v].map((s) => s.cpuMicrosPerRequest)),
      },
    ]),
  );
  const name = { express: 'Express', koa: 'Koa', fastify: 'Fastify' }[framework];
  const bare = results[framework].bare;
  for (const [ours, theirs] of pairs) {
    const logger = ours.endsWith('+pino') || framework === 'fastify' ? 'pino' : 'Winston';
    note(
      `${name} + tracing(), ${logger}: req/s ÷ bare`,
      ratio(ours),
      `≥ ${theirs} (${ratio(theirs).toFixed(3)})`,
      ratio(ours) >= ratio(theirs),
      `${results[framework][ours].cpuMicrosPerRequest.toFixed(1)} µs CPU/req; bare ${bare.rps.toFixed(0)} req/s, ${bare.cpuMicrosPerRequest.toFixed(1)} µs`,
    );
  }
  for (const other of variants.filter((v) => v !== 'bare' && !pairs.some((p) => p.includes(v)))) {
    summary.push([
      `${name} + ${other}: req/s ÷ bare`,
      ratio(other).toFixed(3),
      '(reported)',
      '',
      `${results[framework][other].cpuMicrosPerRequest.toFixed(1)} µs CPU/req`,
    ]);
  }
}

// ---- 3. the context doctor: what turning it on costs -------------------------------------

async function doctorSection() {
  // The log call: processes with the doctor off and on take turns; same variants in each.
  const runs = { 'doctor-off': [], 'doctor-on': [] };
  for (let i = 0; i < settings.logProcesses; i++) {
    for (const setting of Object.keys(runs)) runs[setting].push(logCall(setting));
  }
  const ns = (setting, variant) => median(runs[setting].map((r) => median(r[variant])));
  results.doctor = { logCall: {} };
  for (const variant of ['createLogger', 'createLogger in a listener']) {
    const off = ns('doctor-off', variant);
    const on = ns('doctor-on', variant);
    results.doctor.logCall[variant] = { off, on };
    summary.push([
      `doctor on ÷ off: log call, ${variant === 'createLogger' ? 'in the request' : 'in a listener the request added'}`,
      (on / off).toFixed(3),
      '(reported)',
      '',
      `${off.toFixed(0)} → ${on.toFixed(0)} ns`,
    ]);
  }
  // A whole service: Express + tracing(), the same app with the doctor off and on.
  const doctorFlags = ['--require', '@tracebridge/core/doctor/register'];
  const quiet = {
    TRACEBRIDGE_DOCTOR_FILE: join(tmpdir(), `tracebridge-bench-doctor-${process.pid}.json`),
  };
  const samples = { off: [], on: [] };
  // Two rounds: a reported figure, not a guard rail (and pnpm bench stays under 10 minutes).
  for (let round = 0; round < Math.min(2, settings.httpRounds); round++) {
    const order = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const state of order) {
      samples[state].push(
        await measure(
          'express:tracebridge',
          state === 'on' ? doctorFlags : [],
          state === 'on' ? quiet : {},
        ),
      );
    }
  }
  rmSync(quiet.TRACEBRIDGE_DOCTOR_FILE, { force: true });
  const ratio = median(samples.on.map((s, i) => s.rps / samples.off[i].rps));
  const cpu = (state) => median(samples[state].map((s) => s.cpuMicrosPerRequest));
  results.doctor.express = { ratio, cpuMicrosOff: cpu('off'), cpuMicrosOn: cpu('on') };
  summary.push([
    'doctor on ÷ off: Express + tracing() req/s',
    ratio.toFixed(3),
    '(reported)',
    '',
    `${cpu('off').toFixed(1)} → ${cpu('on').toFixed(1)} µs CPU/req`,
  ]);
}

// ---- 4. heap over many requests -----------------------------------------------------------

/** Heap used after a full GC, after a tenth of the requests and after all of them. */
async function heapGrowth(app) {
  const server = await startServer(app, ['--expose-gc']);
  try {
    const warm = settings.heapRequests / 10;
    await load(server.url, { amount: warm });
    const first = await server.stats();
    await load(server.url, { amount: settings.heapRequests - warm });
    const last = await server.stats();
    return {
      afterWarmUp: first.heapUsed,
      atEnd: last.heapUsed,
      growth: last.heapUsed - first.heapUsed,
    };
  } finally {
    await server.stop();
  }
}

async function heapSection() {
  const bare = await heapGrowth('express:bare');
  const ours = await heapGrowth('express:tracebridge');
  results.heap = { requests: settings.heapRequests, bare, tracebridge: ours };
  const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
  // Within noise: a full GC leaves a few hundred KB of compiled code and caches either way.
  const holds = ours.growth - bare.growth < 1024 * 1024;
  summary.push([
    `Express + tracing(): heap growth over ${settings.heapRequests} requests (after GC)`,
    kb(ours.growth),
    `≈ bare (${kb(bare.growth)})`,
    holds ? 'yes' : 'NO',
    `${(ours.afterWarmUp / 1e6).toFixed(2)} MB → ${(ours.atEnd / 1e6).toFixed(2)} MB`,
  ]);
}

// ---- run ---------------------------------------------------------------------------------

const started = Date.now();
if (sections.has('log')) logSection();
if (sections.has('pino')) pinoSection();
if (sections.has('express')) {
  await httpSection(
    'express',
    ['bare', 'tracebridge', 'tracebridge+pino', 'pino-http', 'express-winston'],
    [
      ['tracebridge+pino', 'pino-http'],
      ['tracebridge', 'express-winston'],
    ],
  );
}
if (sections.has('koa')) {
  await httpSection(
    'koa',
    ['bare', 'tracebridge', 'tracebridge+pino', 'koa-pino-logger', 'koa-logger'],
    [['tracebridge+pino', 'koa-pino-logger']],
  );
}
if (sections.has('fastify')) {
  await httpSection(
    'fastify',
    ['bare', 'logging', 'tracebridge', '@fastify/otel'],
    [['tracebridge', '@fastify/otel']],
  );
}
if (sections.has('doctor')) await doctorSection();
if (sections.has('heap')) await heapSection();

const seconds = Math.round((Date.now() - started) / 1000);
console.log(
  `\ntracebridge benchmarks — Node ${process.version}, ${results.cpu} × ${results.cores}` +
    `${smoke ? ' (smoke run: numbers not meaningful)' : ''}, ${seconds} s\n`,
);
console.log(table(['measure', 'ratio', 'guard rail', 'holds', 'detail'], summary));
results.summary = summary;
results.seconds = seconds;
// Only a full run replaces the recorded figures.
if (!smoke && sections.size === known.size) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
}
