import type { TraceContext } from './context.js';

/**
 * Where the context doctor (`@tracebridge/core/doctor`, opt-in) hears about log lines. Each
 * tracebridge-aware logger calls {@link noteLine} at the moment it decides a line's ids from
 * the *current* context — Winston's capture at `logger.info()`, the Winston format when
 * nothing captured the record, the pino mixin for an unbound logger. Lines whose ids were
 * fixed earlier (`req.log`, `bindLogger`, request lines) are right by construction and are
 * not noted.
 *
 * The hook lives on `globalThis` under a `Symbol.for` key, so that a format from the CJS
 * build reports to a doctor enabled from the ESM build (or another installed copy). While
 * the doctor is off the key is unset: a line costs one property read.
 */
const kLineHook = Symbol.for('@tracebridge/core.doctor.noteLine');

export type LineHook = (ctx: TraceContext | null | undefined) => void;

type HookHolder = { [kLineHook]?: LineHook };

/** Tells the doctor, if it is on, that a line is written now with `ctx`'s ids (none for
 * `null`/`undefined`). */
export function noteLine(ctx: TraceContext | null | undefined): void {
  const hook = (globalThis as HookHolder)[kLineHook];
  if (hook !== undefined) hook(ctx);
}

/** Installs (or, with `undefined`, removes) the doctor's hook. */
export function setLineHook(hook: LineHook | undefined): void {
  if (hook === undefined) delete (globalThis as HookHolder)[kLineHook];
  else (globalThis as HookHolder)[kLineHook] = hook;
}
