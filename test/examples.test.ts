/** Smoke tests of the runnable examples, as a user runs them. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  examples,
  getTraced as get,
  jsonLines,
  type Running,
  startExample,
  stopExample,
  TRACE,
  waitFor,
} from './support/services.js';

const run = promisify(execFile);

let running: Running | undefined;
afterEach(async () => {
  if (running) await stopExample(running);
  running = undefined;
});

describe.each([
  ['express-basic', 'server.mjs'],
  ['koa-basic', 'server.mjs'],
  ['node-http', 'server.mjs'],
])('%s (the README quick start)', (name, file) => {
  it('answers with the incoming trace, reports it in Server-Timing, logs the request and the late line with its ids', async () => {
    running = await startExample([file], {}, join(examples, name));
    const reply = await get(running.port, '/');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).traceId).toBe(TRACE);
    expect(reply.headers['server-timing']).toMatch(
      new RegExp(`^trace;desc=00-${TRACE}-[0-9a-f]{16}-01$`),
    );
    const r = running;
    await waitFor(() => jsonLines(r.output()).filter((l) => l.trace_id === TRACE).length >= 2);
    const lines = jsonLines(running.output()).filter((l) => l.trace_id === TRACE);
    expect(lines.map((l) => l.message)).toEqual(
      expect.arrayContaining(['response sent', expect.stringMatching(/^GET \/ 200/)]),
    );
  });
});

describe('README', () => {
  it.each(['express-basic', 'koa-basic', 'node-http'])(
    'quotes examples/%s/server.mjs verbatim',
    (name) => {
      const readme = readFileSync(join(examples, '..', 'README.md'), 'utf8');
      const code = readFileSync(join(examples, name, 'server.mjs'), 'utf8').trim();
      expect(readme).toContain(`\`\`\`js\n${code}\n\`\`\``);
    },
  );
});

describe('otel-sdk (NodeSDK preloaded with --require)', () => {
  it("spans and LogRecords land in TRACEBRIDGE_OTEL_DIR; the records carry the spans' ids", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracebridge-otel-'));
    running = await startExample(
      ['--require', './otel.cjs', 'app.cjs'],
      { TRACEBRIDGE_OTEL_DIR: dir, OTEL_SERVICE_NAME: 'hello' },
      join(examples, 'otel-sdk'),
    );
    const reply = await get(running.port, '/hello/world');
    expect(JSON.parse(reply.body)).toEqual({ hello: 'world', traceId: TRACE });
    await stopExample(running);
    running = undefined;
    const read = (f: string) => jsonLines(readFileSync(join(dir, f), 'utf8'));
    const spans = read('spans.jsonl');
    const records = read('logs.jsonl').filter((r) => r.traceId !== undefined);
    const server = spans.find((s) => s.kind === 1);
    expect(server).toMatchObject({
      traceId: TRACE,
      parentSpanId: '00f067aa0ba902b7',
      service: 'hello',
    });
    expect(records.map((r) => r.body)).toEqual(
      expect.arrayContaining(['greeting', expect.stringMatching(/^GET \/hello\/world 200/)]),
    );
    for (const record of records) {
      expect(record.traceId).toBe(TRACE);
      expect(spans.some((s) => s.spanId === record.spanId)).toBe(true);
    }
  });
});

describe('minimal (plain node:http)', () => {
  it('--demo exits 0: tracebridge 0 missing / 0 wrong next to the naive losses', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(examples, 'minimal', 'server.mjs'),
        '--demo',
        '--requests',
        '200',
        '--concurrency',
        '40',
      ],
      { timeout: 60_000 },
    );
    expect(stdout).toMatch(/res\.on\('finish'\)\s+\d+ \/ \d+ \/ \d+\s+200 \/ 0 \/ 0/);
    expect(stdout).toContain("every line carries its own request's trace id");
  });

  it('--demo refuses bad flags with a clear message and exit 2', async () => {
    await expect(
      run(process.execPath, [
        join(examples, 'minimal', 'server.mjs'),
        '--demo',
        '--requests',
        'lots',
      ]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--requests and --concurrency take whole numbers'),
    });
  });
});

/**
 * The context doctor's counts for the side whose late callbacks are left unbound equal what
 * the scoreboard found in the log files (lines with no id; lines with another trace), it
 * names the shared resources' call sites, and it finds nothing on the tracebridge side.
 */
function expectDoctorMatchesBoard(
  out: string,
  board: { results: Record<string, { services: Record<string, { app: Record<string, number> }> }> },
  stdout: string,
) {
  expect(stdout).toContain('The context doctor, backend (tracebridge, unbound)');
  const report = (side: string, service: string) =>
    JSON.parse(readFileSync(join(out, side, service, 'doctor.json'), 'utf8'));
  for (const service of ['gateway', 'backend']) {
    const app = board.results.unbound?.services[service]?.app;
    const found = report('unbound', service);
    expect({ missing: found.missing, foreign: found.foreign }).toEqual({
      missing: app?.missing,
      foreign: app?.wrong,
    });
    expect(found.missing + found.foreign).toBeGreaterThan(0);
    expect(report('tracebridge', service).findings).toEqual([]);
  }
  const sites = report('unbound', 'backend').findings.map(
    (f: { registeredAt: string }) => f.registeredAt,
  );
  expect(sites.join('\n')).toMatch(/resources\.cjs:\d+:\d+ \(Object\.query\) ← backend/);
}

describe('two-services demo (the one `pnpm demo` runs), small', () => {
  it.each([
    ['with the OpenTelemetry SDK and the doctor', ['--doctor']],
    ['without any SDK (W3C traceparent only)', ['--no-otel']],
    ['the backend on Fastify and pino, with the SDK and the doctor', ['--fastify', '--doctor']],
  ])('%s: exits 0, tracebridge clean, the naive side visibly not', async (_name, flags) => {
    const out = mkdtempSync(join(tmpdir(), 'tracebridge-demo-'));
    const { stdout } = await run(
      process.execPath,
      [
        join(examples, 'two-services', 'demo.mjs'),
        '--requests',
        '150',
        '--concurrency',
        '30',
        '--pipelined',
        '10',
        '--aborted',
        '5',
        '--out',
        out,
        ...flags,
      ],
      { timeout: 90_000 },
    );
    expect(stdout).toContain('every line carries the ids of its own request');
    const board = JSON.parse(readFileSync(join(out, 'scoreboard.json'), 'utf8'));
    for (const service of ['gateway', 'backend']) {
      const tb = board.results.tracebridge.services[service];
      const clean = { right: 0, missing: 0, wrong: 0, unexported: 0 };
      expect({ ...tb.request, right: 0 }).toEqual(clean);
      // A line of a request aborted before its server span was exported names the right
      // trace and a span the SDK never exported: counted apart, at most one per aborted one.
      expect({ ...tb.app, right: 0, unexported: 0 }).toEqual(clean);
      expect(tb.app.unexported).toBeLessThanOrEqual(5);
      expect(tb.app.right).toBeGreaterThan(150);
      const naive = board.results.naive.services[service];
      expect(naive.app.missing + naive.app.wrong).toBeGreaterThan(0);
    }
    expect(board.results.tracebridge.joins.broken).toBe(0);
    expect(board.results.tracebridge.joins.checked).toBeGreaterThan(150);
    expect(board.results.tracebridge.requestLines).toEqual({ missing: 0, duplicated: 0 });
    if (!flags.includes('--no-otel')) {
      // The third column: what OpenTelemetry's auto-instrumentation alone gives.
      const auto = board.results['otel-auto'].services.gateway;
      expect(auto.app.missing).toBeGreaterThan(0); // late callbacks with no active span
      expect(auto.request.wrong).toBe(0);
    } else {
      expect(board.results['otel-auto']).toBeUndefined();
    }
    if (flags.includes('--doctor')) expectDoctorMatchesBoard(out, board, stdout);
  });

  it('--help prints the flags and exits 0', async () => {
    const { stdout } = await run(process.execPath, [
      join(examples, 'two-services', 'demo.mjs'),
      '--help',
    ]);
    for (const flag of [
      '--requests',
      '--concurrency',
      '--pipelined',
      '--aborted',
      '--out',
      '--no-otel',
      '--fastify',
      '--doctor',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('refuses bad flags with exit 2', async () => {
    await expect(
      run(process.execPath, [join(examples, 'two-services', 'demo.mjs'), '--requests', '0']),
    ).rejects.toMatchObject({ code: 2 });
  });
});
