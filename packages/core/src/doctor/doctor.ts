import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type { TraceContext } from '../context.js';
import { current } from '../current.js';
import { setLineHook } from '../doctor-hook.js';
import { captureStack, describeSite, type FrameFilter } from './call-site.js';
import { patchEmitters } from './listeners.js';
import { type DoctorFinding, type DoctorReport, type FindingKind, formatReport } from './report.js';

/** Options of `doctor.enable()`. */
export interface DoctorOptions {
  /** Stack frames to look past when naming call sites, besides Node's, `node_modules` and
   * tracebridge's own: path prefixes or patterns (your logging wrapper, say). */
  ignore?: readonly FrameFilter[];
  /** Print the report to stderr when the process exits. Default `false`. */
  reportAtExit?: boolean;
}

/** Where a followed listener was registered, and for which request. */
interface Registration {
  /** The context current when it was registered: the request the work belongs to. */
  readonly expected: TraceContext;
  /** e.g. `ServerResponse.on("finish")`. */
  readonly api: string;
  /** The stack at registration; its frames are read only if a line goes wrong. */
  readonly stack: Error;
  site?: string;
}

interface Group {
  kind: FindingKind;
  count: number;
  registration: Registration;
  writtenAt: string;
  lineTraceId: string | undefined;
}

// Two contexts are the same request's when they name the same trace. Two requests that
// continue one incoming trace are not told apart (their lines still name the right trace).
const sameTrace = (a: TraceContext, b: TraceContext) => a.traceId === b.traceId;

/**
 * The context doctor's state. One per process, shared by every copy of @tracebridge/core
 * (see `instance()`), so that the ESM API, a CJS `--require` and the formats agree.
 */
export class Doctor {
  readonly version = 1;
  readonly #work = new AsyncLocalStorage<Registration>();
  #restore: (() => void) | undefined;
  #ignore: readonly FrameFilter[] = [];
  #exitReport: (() => void) | undefined;
  #groups = new Map<string, Group>();
  #watched = 0;
  #checked = 0;

  get enabled(): boolean {
    return this.#restore !== undefined;
  }

  enable(options: DoctorOptions = {}): void {
    const { ignore = [], reportAtExit = false } = checkOptions(options);
    this.#ignore = ignore;
    if (reportAtExit && this.#exitReport === undefined) {
      this.#exitReport = () => process.stderr.write(`${formatReport(this.report())}\n`);
      process.once('exit', this.#exitReport);
    }
    if (this.#restore !== undefined) return;
    this.#restore = patchEmitters((emitter, method, type, listener) => {
      const registration = this.#registration(emitter, method, type);
      if (registration === undefined) return undefined;
      this.#watched++;
      const work = this.#work;
      return (self, args) => work.run(registration, () => listener.apply(self, args));
    });
    setLineHook((ctx) => {
      try {
        this.#noteLine(ctx);
      } catch {
        // The doctor must never cost the application a log line.
      }
    });
  }

  disable(): void {
    this.#restore?.();
    this.#restore = undefined;
    setLineHook(undefined);
    if (this.#exitReport !== undefined) {
      process.off('exit', this.#exitReport);
      this.#exitReport = undefined;
    }
  }

  reset(): void {
    this.#groups = new Map();
    this.#watched = 0;
    this.#checked = 0;
  }

  report(): DoctorReport {
    const findings: DoctorFinding[] = [...this.#groups.values()]
      .map((group) => finding(group))
      .sort((a, b) => b.count - a.count);
    const lines = (kind: FindingKind) =>
      findings.reduce((n, f) => (f.kind === kind ? n + f.count : n), 0);
    return {
      enabled: this.enabled,
      listenersWatched: this.#watched,
      linesChecked: this.#checked,
      missing: lines('missing'),
      foreign: lines('foreign'),
      findings,
    };
  }

  /**
   * The registration a listener added now belongs to, or `undefined` when it is not a
   * request's work. Inside work a request registered, the context there decides: still the
   * request's — a new registration, blamed on its own site if it goes wrong; already lost —
   * the loss happened at the outer registration, which keeps the blame.
   */
  #registration(
    emitter: EventEmitter,
    method: string,
    type: string | symbol,
  ): Registration | undefined {
    const outer = this.#work.getStore();
    const now = current();
    if (outer !== undefined && (now === undefined || !sameTrace(now, outer.expected))) {
      return outer;
    }
    if (now === undefined) return undefined;
    const name = emitter?.constructor?.name || 'EventEmitter';
    return {
      expected: outer?.expected ?? now,
      api: `${name}.${method}(${JSON.stringify(String(type))})`,
      stack: captureStack(),
    };
  }

  #noteLine(ctx: TraceContext | null | undefined): void {
    const registration = this.#work.getStore();
    if (registration === undefined) return;
    this.#checked++;
    if (ctx !== null && ctx !== undefined && sameTrace(ctx, registration.expected)) return;
    const kind: FindingKind = ctx === null || ctx === undefined ? 'missing' : 'foreign';
    // The registration with its caller: a listener is often added by a helper (a pool's
    // query()), and the call into the helper is where a bind() would go.
    registration.site ??= describeSite(registration.stack, this.#ignore, 1);
    const writtenAt = describeSite(captureStack(), this.#ignore);
    const key = `${kind}\n${registration.site}\n${writtenAt}`;
    const group = this.#groups.get(key);
    if (group !== undefined) group.count++;
    else {
      this.#groups.set(key, {
        kind,
        count: 1,
        registration,
        writtenAt,
        lineTraceId: ctx?.traceId,
      });
    }
  }
}

function finding(group: Group): DoctorFinding {
  const { registration } = group;
  return {
    kind: group.kind,
    count: group.count,
    registeredAt: registration.site ?? '(unknown)',
    registeredWith: registration.api,
    writtenAt: group.writtenAt,
    example: {
      expectedTraceId: registration.expected.traceId,
      ...(group.lineTraceId !== undefined && { lineTraceId: group.lineTraceId }),
    },
    fix:
      `this listener runs in the context of whatever emits the event, not of the request ` +
      `that added it: bind it where it is added (emitter.on(event, bind(listener))), or ` +
      `bindEmitter(emitter) for all its listeners, or log with req.log / ` +
      `bindLogger(logger, ctx), or capture() the ids before adding it.`,
  };
}

function checkOptions(options: DoctorOptions): DoctorOptions {
  const fail = (message: string): never => {
    throw new TypeError(`@tracebridge/core/doctor: enable(): ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { ignore, reportAtExit } = options;
  if (ignore !== undefined) {
    if (!Array.isArray(ignore)) fail('ignore must be an array of path prefixes or RegExps');
    for (const filter of ignore as unknown[]) {
      if (typeof filter !== 'string' && !(filter instanceof RegExp)) {
        fail(`ignore holds ${typeof filter}: give path prefixes (strings) or RegExps`);
      }
    }
  }
  if (reportAtExit !== undefined && typeof reportAtExit !== 'boolean') {
    fail('reportAtExit must be true or false');
  }
  return options;
}

const SLOT_KEY = Symbol.for('@tracebridge/core.doctor');

/** The process's doctor: made by the first copy of core that asks. */
export function instance(): Doctor {
  const holder = globalThis as { [SLOT_KEY]?: Doctor };
  const existing = holder[SLOT_KEY];
  if (existing !== undefined && existing.version === 1) return existing;
  const doctor = new Doctor();
  Object.defineProperty(holder, SLOT_KEY, { value: doctor, configurable: true });
  return doctor;
}
