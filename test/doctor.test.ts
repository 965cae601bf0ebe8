/**
 * The context doctor against a real service: Express with @tracebridge/express and Winston
 * (createLogger), node:http with pino (traceMixin), hundreds of overlapping requests with
 * seeded random delays, and two deliberately naive listeners — one on a bus made at startup
 * (its events fire in no request's context: lines without an id), one on a pool that the
 * first request makes (its events fire in that request's context: other requests' lines
 * get its id). The doctor must name both call sites with exactly the counts the log lines
 * show, report nothing for request lines and `req.log` lines, and report nothing once the
 * listeners are bound.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bind, bindLogger, createRequestLifecycle } from '@tracebridge/core';
import { DoctorError, doctor } from '@tracebridge/core/doctor';
import { traceMixin } from '@tracebridge/core/pino';
import { createLogger } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/express';
import express from 'express';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { random } from '../packages/core/test-support/random.js';
import { MemoryTransport } from '../packages/core/test-support/winston.js';
import { abortedRequests, concurrentRequests, pipelinedRequests } from './support/load.js';
import { readLines, settleLines } from './support/log-lines.js';
import { PinoMemory } from './support/pino-memory.js';
import { createLateWork, expectedTraceId } from './support/scenario.js';
import { waitFor } from './support/services.js';

const REQUESTS = 300;
const originalOn = EventEmitter.prototype.on;
const originalOnce = EventEmitter.prototype.once;

/** The two shared resources of the service: stopped after each test. */
function sharedResources() {
  const timers: NodeJS.Timeout[] = [];
  // A bus made at startup: its events fire in no request's context.
  const bus = new EventEmitter().setMaxListeners(0);
  timers.push(setInterval(() => bus.emit('tick'), 2));
  // A pool made by the first request that asks: its events fire in that request's context.
  let pool: { query(cb: () => void): void } | undefined;
  const db = () => {
    if (pool === undefined) {
      const results = new EventEmitter().setMaxListeners(0);
      const queued: number[] = [];
      let next = 0;
      timers.push(
        setInterval(() => {
          for (const id of queued.splice(0)) results.emit(`result:${id}`);
        }, 3),
      );
      pool = {
        query(cb) {
          const id = next++;
          results.once(`result:${id}`, cb); // doctor-site: pool registration
          queued.push(id);
        },
      };
    }
    return pool;
  };
  return { bus, db, stop: () => timers.forEach(clearInterval) };
}

/** Writes a line saying which request it belongs to (`expected`: its trace id). */
type Write = (message: string, expected: string) => void;
const winstonWrite =
  (logger: { info(message: string, meta: object): unknown }): Write =>
  (message, expected) =>
    logger.info(message, { expected }); // doctor-site: winston line
const pinoWrite =
  (logger: pino.Logger): Write =>
  (message, expected) =>
    logger.info({ expected }, message); // doctor-site: pino line

/** The handler's late work: naive (as written) or bound (the fix). */
function lateWork(
  resources: ReturnType<typeof sharedResources>,
  log: Write,
  requestLog: Write,
  fixed: boolean,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const expected = expectedTraceId(req);
  const maybeBind = <F extends (...args: never[]) => unknown>(fn: F): F => (fixed ? bind(fn) : fn);
  req.resume();
  setTimeout(() => {
    // doctor-site: bus registration (the next line)
    resources.bus.once(
      'tick',
      maybeBind(() => {
        log('bus tick', expected);
        requestLog('bus tick via req.log', expected);
      }),
    );
    resources.db().query(
      maybeBind(() => {
        log('pool answered', expected);
        res.end('ok');
      }),
    );
  }, random() * 10);
}

/** Counts the lines of `message` by what their trace id is, against the request's. */
function truth(
  lines: Record<string, unknown>[],
  message: string,
  traceIdOf: (l: object) => unknown,
) {
  const of = lines.filter((l) => l.message === message || l.msg === message);
  return {
    total: of.length,
    missing: of.filter((l) => traceIdOf(l) === undefined).length,
    wrong: of.filter((l) => traceIdOf(l) !== undefined && traceIdOf(l) !== l.expected).length,
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function stop(server: Server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

beforeAll(() => doctor.enable());
afterEach(() => doctor.reset());
afterAll(() => doctor.disable());

/** Runs REQUESTS through an Express + Winston service; returns its lines. */
async function expressService(fixed: boolean) {
  const transport = new MemoryTransport();
  const logger = createLogger({ transports: [transport] });
  const resources = sharedResources();
  const app = express();
  app.use(tracing({ logger }));
  app.post('/r/:i', (req, res) =>
    lateWork(resources, winstonWrite(logger), winstonWrite(req.log as never), fixed, req, res),
  );
  const server = http.createServer(app);
  const port = await listen(server);
  try {
    expect(await concurrentRequests(port, REQUESTS, true)).toBe(REQUESTS);
    const busLines = () => transport.records.filter((r) => r.message === 'bus tick').length;
    await waitFor(() => busLines() >= REQUESTS, 10_000);
  } finally {
    await stop(server);
    resources.stop();
  }
  await waitFor(() => transport.idle(), 5000);
  return transport.lines();
}

describe('the context doctor on Express + Winston', () => {
  it('names each naive call site with the counts the log lines show', async () => {
    const lines = await expressService(false);
    const bus = truth(lines, 'bus tick', (l) => (l as { trace_id?: string }).trace_id);
    const pool = truth(lines, 'pool answered', (l) => (l as { trace_id?: string }).trace_id);
    // What really happened: every bus line lost its id; every pool line but the first
    // request's names the first request.
    expect(bus).toEqual({ total: REQUESTS, missing: REQUESTS, wrong: 0 });
    expect(pool).toEqual({ total: REQUESTS, missing: 0, wrong: REQUESTS - 1 });
    // req.log lines and request lines are right by construction.
    const viaReqLog = truth(
      lines,
      'bus tick via req.log',
      (l) => (l as { trace_id?: string }).trace_id,
    );
    expect(viaReqLog).toEqual({ total: REQUESTS, missing: 0, wrong: 0 });

    const found = doctor.report();
    expect(found.missing).toBe(REQUESTS);
    expect(found.foreign).toBe(REQUESTS - 1);
    expect(found.findings).toHaveLength(2);
    const [first, second] = found.findings;
    const missing = [first, second].find((f) => f?.kind === 'missing');
    const foreign = [first, second].find((f) => f?.kind === 'foreign');
    expect(missing).toMatchObject({
      count: REQUESTS,
      registeredWith: 'EventEmitter.once("tick")',
      registeredAt: expect.stringMatching(/doctor\.test\.ts:\d+:\d+/),
      writtenAt: expect.stringMatching(/doctor\.test\.ts:\d+:\d+/),
    });
    expect(foreign).toMatchObject({
      count: REQUESTS - 1,
      registeredWith: expect.stringMatching(/^EventEmitter\.once\("result:\d+"\)$/),
      registeredAt: expect.stringMatching(/doctor\.test\.ts:\d+:\d+ \(Object\.query\)/),
    });
    expect(foreign?.example.lineTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(foreign?.example.lineTraceId).not.toBe(foreign?.example.expectedTraceId);
    expect(missing?.fix).toMatch(/bind\(listener\)/);
    // The sites are the application's frames nearest to the registration and to the log
    // call (the logging helper here: pass `ignore` to look past a helper of your own).
    expect(lineOf(missing?.registeredAt)).toBe(sourceLine('doctor-site: bus registration', 1));
    expect(lineOf(foreign?.registeredAt)).toBe(sourceLine('doctor-site: pool registration'));
    expect(lineOf(missing?.writtenAt)).toBe(sourceLine('doctor-site: winston line'));
    expect(lineOf(foreign?.writtenAt)).toBe(sourceLine('doctor-site: winston line'));

    expect(() => doctor.assertClean()).toThrow(DoctorError);
    expect(() => doctor.assertClean()).toThrow(/ANOTHER REQUEST'S ID: 299 lines/);
    expect(doctor.format()).toMatch(/NO ID: 300 lines/);
  });

  it('reports nothing once the listeners are bound', async () => {
    const lines = await expressService(true);
    expect(truth(lines, 'bus tick', (l) => (l as { trace_id?: string }).trace_id)).toEqual({
      total: REQUESTS,
      missing: 0,
      wrong: 0,
    });
    expect(truth(lines, 'pool answered', (l) => (l as { trace_id?: string }).trace_id)).toEqual({
      total: REQUESTS,
      missing: 0,
      wrong: 0,
    });
    expect(doctor.report()).toMatchObject({ missing: 0, foreign: 0, findings: [] });
    expect(() => doctor.assertClean()).not.toThrow();
  });
});

describe('the context doctor on node:http + pino (traceMixin)', () => {
  it('counts the mixin lines as the Winston ones', async () => {
    const destination = new PinoMemory();
    const logger = pino({ mixin: traceMixin() }, destination.stream);
    const resources = sharedResources();
    const lifecycle = createRequestLifecycle();
    const server = http.createServer((req, res) =>
      lifecycle.handle(req, res, () =>
        lateWork(resources, pinoWrite(logger), pinoWrite(bindLogger(logger)), false, req, res),
      ),
    );
    const port = await listen(server);
    try {
      expect(await concurrentRequests(port, REQUESTS, true)).toBe(REQUESTS);
      await waitFor(
        () => destination.records.filter((r) => r.msg === 'bus tick').length >= REQUESTS,
      );
    } finally {
      await stop(server);
      resources.stop();
    }
    const lines = destination.lines();
    const bus = truth(lines, 'bus tick', (l) => (l as { trace_id?: string }).trace_id);
    const pool = truth(lines, 'pool answered', (l) => (l as { trace_id?: string }).trace_id);
    expect(bus).toMatchObject({ missing: REQUESTS });
    expect(pool).toMatchObject({ wrong: REQUESTS - 1 });
    const found = doctor.report();
    expect(found).toMatchObject({ missing: bus.missing, foreign: pool.wrong });
    expect(found.findings.map((f) => [f.kind, f.count]).sort()).toEqual([
      ['foreign', REQUESTS - 1],
      ['missing', REQUESTS],
    ]);
    for (const finding of found.findings) {
      expect(lineOf(finding.writtenAt)).toBe(sourceLine('doctor-site: pino line'));
    }
  });
});

/**
 * The shared late-callback matrix (req data/end, res finish/close, a pool, a startup bus, a
 * startup queue, a streamed body) on Express with a slow transport, keep-alive, pipelined
 * and aborted: with the callbacks bound, every line is right and the doctor — which judges
 * the lines written from the listeners it follows — reports nothing.
 */
describe('the context doctor on the late-callback matrix', () => {
  async function matrixApp(bound: boolean) {
    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const work = createLateWork({
      log: (name, req) => logger.info(name, { case: name, expected: expectedTraceId(req) }),
      wrap: (fn) => (bound ? bind(fn) : fn),
    });
    const app = express();
    app.use(
      tracing({
        logger,
        requestLog: { lineFields: (req) => ({ expected: expectedTraceId(req) }) },
      }),
    );
    app.post('/:kind/:n', (req, res) => work.start(req, res));
    const server = http.createServer(app);
    const port = await listen(server);
    return { port, transport, close: () => stop(server), stopWork: () => work.stop() };
  }

  it.each([
    ['keep-alive', (port: number) => concurrentRequests(port, REQUESTS, true), REQUESTS],
    ['pipelined, 10 per connection', (port: number) => pipelinedRequests(port, 30, 10), 300],
    ['aborted', (port: number) => abortedRequests(port, 100).then(() => 100), 100],
  ])('%s: every line right, nothing reported', async (_mode, drive, count) => {
    const { port, transport, close, stopWork } = await matrixApp(true);
    try {
      expect(await drive(port)).toBe(count);
      await settleLines(transport, count, close);
    } finally {
      stopWork();
    }
    const { user } = readLines(transport);
    expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
    const found = doctor.report();
    expect(found.linesChecked).toBeGreaterThan(0);
    expect(found.findings).toEqual([]);
  });

  it("unbound: it reports the bus listener with the lines' own count", async () => {
    const { port, transport, close, stopWork } = await matrixApp(false);
    try {
      expect(await concurrentRequests(port, REQUESTS, true)).toBe(REQUESTS);
      await settleLines(transport, REQUESTS, close);
    } finally {
      stopWork();
    }
    const { user } = readLines(transport);
    const bus = user.get('bus listener');
    expect(bus.missing).toBeGreaterThan(0);
    const found = doctor.report();
    const busFinding = found.findings.find((f) => f.registeredWith === 'Bus.once("tick")');
    expect(busFinding).toMatchObject({ kind: 'missing', count: bus.missing });
    // The pool and the queue keep callbacks in arrays: the doctor has no listener to follow
    // there (docs/guides/doctor.md says so), so it reports at most what the lines show.
    expect(found.missing).toBeLessThanOrEqual(user.total().missing);
    expect(found.foreign).toBeLessThanOrEqual(user.total().wrong);
  });
});

describe('turned on without code changes', () => {
  it.each([
    ['--require', 'doctor-app.cjs'],
    ['--import', 'doctor-app.mjs'],
  ])('node %s @tracebridge/core/doctor/register reports at exit', (flag, app) => {
    const dir = mkdtempSync(join(tmpdir(), 'tracebridge-doctor-'));
    try {
      const file = join(dir, 'report.json');
      const stderr = execFileSync(
        process.execPath,
        [flag, '@tracebridge/core/doctor/register', join(import.meta.dirname, 'support', app)],
        {
          cwd: import.meta.dirname,
          env: { ...process.env, TRACEBRIDGE_DOCTOR_FILE: file },
          encoding: 'utf8',
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      expect(stderr).toBeDefined();
      const found = JSON.parse(readFileSync(file, 'utf8'));
      expect(found).toMatchObject({ linesChecked: 3, missing: 3, foreign: 0 });
      expect(found.findings).toEqual([
        expect.objectContaining({
          kind: 'missing',
          count: 3,
          registeredWith: 'EventEmitter.once("tick")',
          registeredAt: expect.stringContaining(`${app}:12:`),
        }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the table on stderr', () => {
    const result = spawnSync(
      process.execPath,
      [
        '--require',
        '@tracebridge/core/doctor/register',
        join(import.meta.dirname, 'support', 'doctor-app.cjs'),
      ],
      { cwd: import.meta.dirname, encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(
      /tracebridge doctor: 3 lines written inside work a request registered; 3 without an id/,
    );
    expect(result.stderr).toMatch(
      /NO ID: 3 lines\n {4}registered {2}EventEmitter\.once\("tick"\) at support\/doctor-app\.cjs:12:/,
    );
  });
});

describe('the doctor itself', () => {
  it('is off until enabled and leaves EventEmitter as it found it', async () => {
    doctor.disable();
    expect(EventEmitter.prototype.on).toBe(originalOn);
    expect(EventEmitter.prototype.once).toBe(originalOnce);
    expect(doctor.enabled).toBe(false);
    doctor.enable();
    expect(EventEmitter.prototype.on).not.toBe(originalOn);
    expect(EventEmitter.prototype.addListener).toBe(EventEmitter.prototype.on);
  });

  it('rejects bad options at enable()', () => {
    expect(() => doctor.enable({ ignore: 'node_modules' as never })).toThrow(
      /@tracebridge\/core\/doctor: enable\(\): ignore must be an array/,
    );
    expect(() => doctor.enable({ ignore: [42 as never] })).toThrow(/ignore holds number/);
    expect(() => doctor.enable({ reportAtExit: 'yes' as never })).toThrow(/reportAtExit/);
    expect(() => doctor.enable(null as never)).toThrow(/options must be an object/);
  });
});

/** The line number in `site` ("file:line:col …"). */
function lineOf(site: string | undefined): number {
  return Number(/:(\d+):\d+/.exec(site ?? '')?.[1]);
}

/** The line of this file that holds `marker` (or the one `below` lines under it). */
function sourceLine(marker: string, below = 0): number {
  const text = readFileSync(new URL(import.meta.url), 'utf8');
  return text.split('\n').findIndex((line) => line.includes(marker)) + 1 + below;
}
