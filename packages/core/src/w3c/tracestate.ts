/** One `key=value` member of a W3C `tracestate` list, in order. */
export type TraceStateEntry = readonly [key: string, value: string];

export const MAX_TRACESTATE_MEMBERS = 32;
// 32 members of at most 256 + 1 + 256 characters, their commas, and room for OWS.
const MAX_TRACESTATE_LENGTH = 32 * 513 + 31 + 1024;

// key = ( lcalpha / DIGIT ) 0*255 ( keychar ); keychar = lcalpha / DIGIT / "_" / "-" / "*" /
// "/" / "@" — the grammar of the current draft: no tenant/system split, `@` anywhere after
// the first character.
const KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
// chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E; at most 256, last not SP.
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const OWS = /^[ \t]+|[ \t]+$/g;

/** Whether `key` is a valid `tracestate` key: a lowercase letter or digit, then up to 255
 * of lowercase letters, digits, `_`, `-`, `*`, `/` and `@`. */
export function isValidTraceStateKey(key: string): boolean {
  return KEY.test(key);
}

/** Whether `value` is a valid `tracestate` member value. */
export function isValidTraceStateValue(value: string): boolean {
  return VALUE.test(value);
}

/**
 * Parses a W3C `tracestate` value (or the several header lines of one, as an array).
 * Strict: any invalid member or more than 32 members make the whole value invalid — it is
 * dropped, never partly repaired. A key that comes again is inherited as the spec allows,
 * by keeping its first (left-most, most recently updated) member only. Empty members and
 * OWS around commas are allowed. Returns `undefined` when invalid; never throws.
 *
 * @example
 * parseTraceState('congo=t61rcWkgMzE, rojo=00f067aa0ba902b7');
 * // [['congo', 't61rcWkgMzE'], ['rojo', '00f067aa0ba902b7']]
 */
export function parseTraceState(value: unknown): TraceStateEntry[] | undefined {
  let header: string;
  if (typeof value === 'string') header = value;
  else if (Array.isArray(value) && value.every((line) => typeof line === 'string')) {
    header = value.join(',');
  } else return undefined;
  if (header.length > MAX_TRACESTATE_LENGTH) return undefined;
  const entries: TraceStateEntry[] = [];
  const seen = new Set<string>();
  let members = 0;
  for (const raw of header.split(',')) {
    const member = raw.replace(OWS, '');
    if (member === '') continue;
    if (++members > MAX_TRACESTATE_MEMBERS) return undefined;
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    const val = member.slice(eq + 1);
    if (!isValidTraceStateKey(key) || !VALUE.test(val)) return undefined;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push([key, val]);
  }
  return entries;
}

/**
 * Formats `tracestate` members as a header value (`key=value,key=value`). Throws a
 * `TypeError` for an invalid member, a duplicate key or more than 32 members.
 *
 * @example
 * formatTraceState([['congo', 't61rcWkgMzE']]); // 'congo=t61rcWkgMzE'
 */
export function formatTraceState(entries: readonly TraceStateEntry[]): string {
  if (entries.length > MAX_TRACESTATE_MEMBERS) {
    throw new TypeError('@tracebridge/core: a tracestate holds at most 32 members');
  }
  const seen = new Set<string>();
  for (const [key, val] of entries) {
    if (!isValidTraceStateKey(key) || !VALUE.test(val)) {
      throw new TypeError(`@tracebridge/core: invalid tracestate member ${JSON.stringify(key)}`);
    }
    if (seen.has(key)) {
      throw new TypeError(`@tracebridge/core: duplicate tracestate key ${JSON.stringify(key)}`);
    }
    seen.add(key);
  }
  return entries.map(([key, val]) => `${key}=${val}`).join(',');
}

/** Whether `value` is a valid `tracestate` header value. */
export function isValidTraceState(value: unknown): value is string {
  return typeof value === 'string' && parseTraceState(value) !== undefined;
}

/**
 * Normalises a `tracestate` value: OWS and empty members removed. `undefined` when the
 * value is invalid or holds no member.
 */
export function normalizeTraceState(value: unknown): string | undefined {
  const entries = parseTraceState(value);
  if (entries === undefined || entries.length === 0) return undefined;
  return formatTraceState(entries);
}
