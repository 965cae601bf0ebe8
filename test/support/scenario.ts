import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { random } from '../../packages/core/test-support/random.js';
import { Probes } from './probes.js';

/**
 * How a service keeps its request context: tracebridge, or the plain ALS middleware users
 * write by hand. The scenario's handler code is the same for both.
 */
export interface Variant {
  readonly name: string;
  /** Starts the request's context and runs `next` in it. */
  enter(req: IncomingMessage, res: ServerResponse, next: () => void): void;
  /** The trace id visible right now. */
  traceId(): string | undefined;
  /** What the service does to a callback handed to a shared resource. */
  wrap<F extends (...args: never[]) => unknown>(fn: F): F;
}

/** The trace id the client put in this request's traceparent. */
export function expectedTraceId(req: IncomingMessage): string {
  return String(req.headers.traceparent ?? '').slice(3, 35);
}

const END_MODES = ['timeout', 'pool', 'bus', 'queue', 'stream'] as const;
type EndMode = (typeof END_MODES)[number];

/** A process-wide emitter ticking from a timer made at startup: no request context. */
class Bus extends EventEmitter {
  readonly #timer = setInterval(() => this.emit('tick'), 1);
  constructor() {
    super();
    this.setMaxListeners(0);
  }
  stop() {
    clearInterval(this.#timer);
  }
}

/** A job queue drained by a timer made at startup. */
class Queue {
  #jobs: { due: number; run: () => void }[] = [];
  readonly #timer = setInterval(() => {
    const now = Date.now();
    const due = this.#jobs.filter((job) => job.due <= now);
    this.#jobs = this.#jobs.filter((job) => job.due > now);
    for (const job of due) job.run();
  }, 1);
  push(delayMs: number, run: () => void) {
    this.#jobs.push({ due: Date.now() + delayMs, run });
  }
  stop() {
    clearInterval(this.#timer);
  }
}

/** A connection pool created lazily by the first request that needs it: its timer and
 * callbacks then run in *that* request's context. */
class Pool {
  #pending: (() => void)[] = [];
  readonly #timer = setInterval(() => {
    const batch = this.#pending;
    this.#pending = [];
    for (const cb of batch) cb();
  }, 2);
  query(cb: () => void) {
    this.#pending.push(cb);
  }
  stop() {
    clearInterval(this.#timer);
  }
}

/** What the late work does with a log line, and with a callback handed to a shared resource. */
export interface LateWorkHooks {
  /** One user log line (or probe) from a late callback of `req`. */
  log(name: string, req: IncomingMessage): void;
  /** What the service does to a callback handed to a shared resource (bind, or nothing). */
  wrap<F extends (...args: never[]) => unknown>(fn: F): F;
}

/**
 * The late-callback work a request does, shared by the node:http, Express and Koa suites:
 * it waits a random while, registers listeners on `res` and `req` (as a later middleware
 * would), logs from a callback of a shared resource, and ends its response from one of: its
 * own timer, a lazily created pool, a process-wide bus, a startup timer queue, or a body
 * stream fed by that queue.
 */
export function createLateWork(hooks: LateWorkHooks) {
  const bus = new Bus();
  const queue = new Queue();
  let pool: Pool | undefined;
  let seq = 0;

  function start(req: IncomingMessage, res: ServerResponse): void {
    const log = (name: string) => hooks.log(name, req);
    const mode: EndMode = END_MODES[seq++ % END_MODES.length] ?? 'timeout';
    let chunks = 0;
    // Registered early so a client abort is observed before the body has arrived.
    res.on('close', () => log(res.writableFinished ? 'res close' : 'res close (aborted)'));
    req.on('data', () => {
      chunks++;
      log('req data');
    });
    req.on('end', () => log('req end'));
    // The rest starts from the request's own timer, not from the body's 'end': under plain
    // ALS 'end' has no store at all, which would hide every later case behind it.
    setTimeout(() => {
      log('own timer');
      res.on('finish', () => log('res finish (added late)'));
      endResponse(mode, res, log, chunks);
    }, random() * 10);
  }

  function endResponse(
    mode: EndMode,
    res: ServerResponse,
    log: (name: string) => void,
    chunks: number,
  ) {
    const body = `ok ${mode} ${chunks}`;
    switch (mode) {
      case 'timeout':
        setTimeout(() => res.end(body), random() * 5);
        return;
      case 'pool':
        pool ??= new Pool();
        pool.query(
          hooks.wrap(() => {
            log('pool callback');
            res.end(body);
          }),
        );
        return;
      case 'bus':
        bus.once(
          'tick',
          hooks.wrap(() => {
            log('bus listener');
            res.end(body);
          }),
        );
        return;
      case 'queue':
        queue.push(
          random() * 5,
          hooks.wrap(() => {
            log('startup-timer queue');
            res.end(body);
          }),
        );
        return;
      case 'stream': {
        const stream = new Readable({ read() {} });
        stream.on('end', () => log('body stream end'));
        stream.pipe(res);
        let left = 3;
        const push = hooks.wrap(() => {
          stream.push(`${body} chunk ${left}\n`);
          if (--left > 0) queue.push(random() * 3, push);
          else stream.push(null);
        });
        queue.push(random() * 3, push);
        return;
      }
    }
  }

  return {
    start,
    stop() {
      bus.stop();
      queue.stop();
      pool?.stop();
    },
  };
}

/** The node:http suite: the late work behind a Variant, read back through probes. */
export function createScenario(variant: Variant) {
  const probes = new Probes();
  const work = createLateWork({
    log: (name, req) => probes.record(name, expectedTraceId(req), variant.traceId()),
    wrap: (fn) => variant.wrap(fn),
  });
  return {
    probes,
    handler(req: IncomingMessage, res: ServerResponse): void {
      variant.enter(req, res, () => work.start(req, res));
    },
    stop: () => work.stop(),
  };
}
