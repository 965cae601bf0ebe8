import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Call sites for the doctor's report: the first stack frame that is the application's own
 * code — not Node's internals, not a dependency under `node_modules`, not tracebridge.
 */

/** A stack captured now, deep enough to reach past the logger's and tracebridge's frames. */
export function captureStack(): Error {
  // Error.stackTraceLimit is Node's documented knob for how many frames an Error keeps.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error('call site');
  Error.stackTraceLimit = limit;
  return stack;
}

/** Frames to look past, as the user's options give them (a path prefix or a pattern). */
export type FrameFilter = string | RegExp;

// "    at fn (/path/file.js:12:5)", "    at /path/file.js:12:5", "    at async fn (file:///…)"
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

export interface Frame {
  /** The function's name as the stack gives it, `undefined` for an anonymous one. */
  readonly fn: string | undefined;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The frames of `error`'s stack that parse, outermost last. */
export function framesOf(error: Error): Frame[] {
  const frames: Frame[] = [];
  for (const text of String(error.stack ?? '')
    .split('\n')
    .slice(1)) {
    const match = FRAME.exec(text);
    if (match === null) continue;
    const [, fn, location = '', line = '0', column = '0'] = match;
    const file = location.startsWith('file://') ? safeFilePath(location) : location;
    frames.push({ fn: fn || undefined, file, line: Number(line), column: Number(column) });
  }
  return frames;
}

function safeFilePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/** The directory that holds @tracebridge/core and its sibling packages (the `@tracebridge`
 * scope under node_modules, or `packages/` in tracebridge's own repository). */
function tracebridgeDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dirname(dir) + sep;
    dir = dirname(dir);
  }
  return undefined;
}

const ownDir = tracebridgeDir();

function isLibraryFrame(file: string): boolean {
  return (
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    !file.includes(sep) ||
    file.includes(`${sep}node_modules${sep}`) ||
    (ownDir !== undefined && file.startsWith(ownDir))
  );
}

function matches(file: string, filter: FrameFilter): boolean {
  return typeof filter === 'string' ? file.startsWith(filter) : filter.test(file);
}

/** The frames of the application's own code in `error`'s stack, innermost first. */
export function applicationFrames(error: Error, ignore: readonly FrameFilter[] = []): Frame[] {
  return framesOf(error).filter(
    (frame) => !isLibraryFrame(frame.file) && !ignore.some((filter) => matches(frame.file, filter)),
  );
}

/** `file:line:column` relative to the working directory, with the function's name. */
export function describeFrame(frame: Frame): string {
  const path = relative(process.cwd(), frame.file) || frame.file;
  const where = `${path.startsWith('..') ? frame.file : path}:${frame.line}:${frame.column}`;
  return frame.fn === undefined ? where : `${where} (${frame.fn})`;
}

/** Where `error` was made, as the application's code sees it: its innermost frame, and
 * with `callers` that many frames that called it (a helper's caller says more than the
 * helper), joined by ` ← `. */
export function describeSite(
  error: Error,
  ignore: readonly FrameFilter[] = [],
  callers = 0,
): string {
  const frames = applicationFrames(error, ignore).slice(0, 1 + callers);
  if (frames.length === 0) return '(no application frame: all in libraries)';
  return frames.map(describeFrame).join(' ← ');
}
