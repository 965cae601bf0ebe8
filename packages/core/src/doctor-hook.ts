import type { TraceContext } from './context.js';

/**
 * Where the context doctor (`@tracebridge/core/doctor`, opt-in) hears about log lines. Each
 * tracebridge-aware logger calls {@link noteLine} at the moment it decides a line's ids from
 * the *current* context — Winston's capture at `logger.info()`, the Winston format when
 * nothing captured the record, the pino mixin for an unbound logger. Lines whose ids were
 * fixed earlier (`req.log`, `bindLogger`, request lines) are right by construction and are
 * not noted.
 *
 * The hook sits in one holder object on `globalThis` under a `Symbol.for` key, so that a
 * format from the CJS build reports to a doctor enabled from the ESM build (or another
 * installed copy). While the doctor is off the hook is unset: a line costs one property
 * read on the holder.
 */
const kHolder = Symbol.for('@tracebridge/core.doctor.hook');

export type LineHook = (ctx: TraceContext | null | undefined) => void;

interface HookHolder {
  hook: LineHook | undefined;
}

function acquireHolder(): HookHolder {
  const global = globalThis as { [kHolder]?: HookHolder };
  const existing = global[kHolder];
  if (typeof existing === 'object' && existing !== null && 'hook' in existing) return existing;
  const holder: HookHolder = { hook: undefined };
  Object.defineProperty(global, kHolder, { value: holder, configurable: true });
  return holder;
}

const holder = acquireHolder();

/** Tells the doctor, if it is on, that a line is written now with `ctx`'s ids (none for
 * `null`/`undefined`). */
export function noteLine(ctx: TraceContext | null | undefined): void {
  const hook = holder.hook;
  if (hook !== undefined) hook(ctx);
}

/** Installs (or, with `undefined`, removes) the doctor's hook. */
export function setLineHook(hook: LineHook | undefined): void {
  holder.hook = hook;
}
