import { randomFillSync } from 'node:crypto';

const LOWER_HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const LOWER_HEX_SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

// Random bytes are drawn from the system in blocks (one call per 256 trace ids) and each id
// is encoded from its own bytes, so an id is a small string of its own: keeping one (in a
// ring buffer of failed requests, say) keeps nothing else alive.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

/**
 * Whether `value` is a valid W3C trace id: 32 lowercase hex digits, not all zero.
 *
 * @example
 * isValidTraceId('4bf92f3577b34da6a3ce929d0e0e4736'); // true
 */
export function isValidTraceId(value: unknown): value is string {
  return typeof value === 'string' && LOWER_HEX_TRACE_ID.test(value) && value !== ZERO_TRACE_ID;
}

/**
 * Whether `value` is a valid W3C span (parent) id: 16 lowercase hex digits, not all zero.
 *
 * @example
 * isValidSpanId('00f067aa0ba902b7'); // true
 */
export function isValidSpanId(value: unknown): value is string {
  return typeof value === 'string' && LOWER_HEX_SPAN_ID.test(value) && value !== ZERO_SPAN_ID;
}

/**
 * A fresh random trace id from `node:crypto`, never all zero.
 *
 * @example
 * const traceId = randomTraceId(); // '5b8aa5a2d2c872e8321cf37308d69df2'
 */
export function randomTraceId(): string {
  let id = randomHex(16);
  while (id === ZERO_TRACE_ID) id = randomHex(16);
  return id;
}

/**
 * A fresh random span id from `node:crypto`, never all zero.
 *
 * @example
 * const spanId = randomSpanId(); // '051581bf3cb55c13'
 */
export function randomSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN_ID) id = randomHex(8);
  return id;
}
