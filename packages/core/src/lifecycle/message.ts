import type { RequestDone } from './done.js';
import { clip, type LineBasics, roundMs, statusSent } from './request-line.js';

/** A request line's message, from the outcome and the parts the line computed already. */
export type MessageOf = (done: RequestDone, basics: LineBasics) => string;

export const DEFAULT_MESSAGE = '{method} {path} {status} {duration}ms';
const PLACEHOLDER = /\{(\w+)\}/g;
const PLACEHOLDERS = ['method', 'path', 'route', 'status', 'duration', 'ttfb', 'aborted'];

function value(name: string, done: RequestDone, basics: LineBasics): string {
  switch (name) {
    case 'method':
      return clip(basics.method, 64);
    case 'path':
      return clip(basics.path, 256);
    case 'route':
      return basics.route ?? '';
    case 'status':
      return statusSent(done) ? String(done.statusCode) : '-';
    case 'duration':
      return String(roundMs(done.durationMs));
    case 'ttfb':
      return done.timeToFirstByteMs === undefined ? '' : String(roundMs(done.timeToFirstByteMs));
    default:
      return done.aborted ? 'aborted' : '';
  }
}

/**
 * Compiles a message option: a template with {method} {path} {route} {status} {duration}
 * {ttfb} {aborted}, or a function of the outcome. An unknown placeholder is refused now,
 * through `fail`.
 */
export function compileMessage(
  message: string | ((done: RequestDone) => string),
  fail: (message: string) => never,
): MessageOf {
  if (typeof message === 'function') return (done) => String(message(done));
  if (typeof message !== 'string') fail('message must be a template string or a function');
  for (const [, name = ''] of message.matchAll(PLACEHOLDER)) {
    if (!PLACEHOLDERS.includes(name)) {
      fail(`message template: unknown placeholder {${name}} (${PLACEHOLDERS.join(', ')})`);
    }
  }
  // Literal text at even indexes, placeholder names at odd ones.
  const parts = message.split(PLACEHOLDER);
  return (done, basics) => {
    let text = parts[0] as string;
    for (let i = 1; i < parts.length; i += 2) {
      text += value(parts[i] as string, done, basics) + (parts[i + 1] as string);
    }
    return text;
  };
}
