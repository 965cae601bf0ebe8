import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './context.js';

/**
 * The process-wide state every copy of @tracebridge/core shares (ESM and CJS builds, or two
 * installed versions): one AsyncLocalStorage, and the book-keeping tied to its values.
 * Bump SLOT_VERSION when this shape changes incompatibly.
 */
interface Slot {
  readonly version: number;
  readonly als: AsyncLocalStorage<TraceContext>;
  /** The prototype of every context made (or checked) by createTraceContext, by any copy of
   * core: run() and bind() trust such a context without checking it again. */
  readonly proto: object;
}

const SLOT_KEY = Symbol.for('@tracebridge/core.store');
const SLOT_VERSION = 2;

function createSlot(): Slot {
  return {
    version: SLOT_VERSION,
    als: new AsyncLocalStorage<TraceContext>(),
    proto: Object.freeze(Object.create(Object.prototype)),
  };
}

function isCompatible(value: unknown): value is Slot {
  if (typeof value !== 'object' || value === null) return false;
  const slot = value as Partial<Slot>;
  return (
    slot.version === SLOT_VERSION &&
    typeof slot.als?.run === 'function' &&
    typeof slot.als.getStore === 'function' &&
    typeof slot.proto === 'object' &&
    slot.proto !== null
  );
}

function acquireSlot(): Slot {
  const holder = globalThis as Record<symbol, unknown>;
  const existing = holder[SLOT_KEY];
  if (isCompatible(existing)) return existing;
  const slot = createSlot();
  if (existing === undefined) {
    Object.defineProperty(holder, SLOT_KEY, {
      value: slot,
      enumerable: false,
      configurable: true,
      writable: false,
    });
    return slot;
  }
  // Report, never throw: a foreign or incompatible value must not take the service down.
  // This copy keeps a private store; contexts started by the other copy are not seen here.
  process.emitWarning(
    '@tracebridge/core: globalThis[Symbol.for("@tracebridge/core.store")] holds an incompatible ' +
      `value (version ${describeVersion(existing)}, expected ${SLOT_VERSION}); this copy uses a ` +
      'private store. Install one version of @tracebridge/core (check `npm ls @tracebridge/core`).',
    { code: 'TRACEBRIDGE_STORE_MISMATCH' },
  );
  return slot;
}

function describeVersion(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'version' in value) {
    return String((value as { version: unknown }).version);
  }
  return 'unknown';
}

const slot = acquireSlot();
const als = slot.als;

/** The TraceContext in the ALS store, if any (no OTel fallback: see current()). */
export function storedContext(): TraceContext | undefined {
  return als.getStore();
}

/** Runs `fn` with `ctx` as the store (`undefined` runs it with no store). */
export function runStored<R>(ctx: TraceContext | undefined, fn: () => R): R {
  return als.run(ctx as TraceContext, fn);
}

/** A new, empty object that isBranded() recognises (sealContext fills and freezes it). */
export function brandedObject(): Record<string | symbol, unknown> {
  return Object.create(slot.proto);
}

export function isBranded(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === slot.proto;
}

// The OpenTelemetry Context that goes with a TraceContext: the one it was derived from, or
// one made from its ids the first time it is needed. Kept in a holder on the (frozen)
// context itself, so that it lives and dies with the context.
const kOtelContext = Symbol.for('@tracebridge/core.otelContext');

interface OtelHolder {
  context: unknown;
}

/** Gives a context under construction (not frozen yet) its holder. */
export function attachOtelHolder(target: object, otelContext: unknown): void {
  const holder: OtelHolder = { context: otelContext };
  Object.defineProperty(target, kOtelContext, { value: holder });
}

/** The OpenTelemetry Context of `ctx`, made by `make` (once) when it has none yet. */
export function otelContextOf<C>(ctx: TraceContext, make: (ctx: TraceContext) => C): C {
  const holder = (ctx as unknown as Record<symbol, OtelHolder | undefined>)[kOtelContext];
  if (holder === undefined) return make(ctx);
  holder.context ??= make(ctx);
  return holder.context as C;
}

/** Replaces the OpenTelemetry Context of `ctx` (a request's, once marked as its own). */
export function setOtelContextOf(ctx: TraceContext, otelContext: unknown): void {
  const holder = (ctx as unknown as Record<symbol, OtelHolder | undefined>)[kOtelContext];
  if (holder !== undefined) holder.context = otelContext;
}
