import type { LogTarget } from '../log-target.js';

/** A line's level option: a level name, or a function of what the line is about. */
export type LevelOption<T> = string | ((subject: T) => string);

/**
 * Resolves a level option against the logger's own levels, once: a name it does not have
 * is a `TypeError` now (`fail`), never a lost line later. `fallback(subject)` gives the
 * default level for a subject (those defaults are checked now too). A function's answer is
 * checked per line: an unknown one is written at the default level instead, and reported
 * once. `'silent'` writes nothing.
 */
export function lineLevel<T>(
  option: LevelOption<T> | undefined,
  name: string,
  fallback: (subject: T) => 'error' | 'warn' | 'info',
  defaults: readonly ('error' | 'warn' | 'info')[],
  target: LogTarget,
  fail: (message: string) => never,
): (subject: T) => string | undefined {
  const known = (wanted: string) => wanted === 'silent' || target.level(wanted) !== undefined;
  const levels = target.levels.join(', ');
  const resolved = new Map<string, string>();
  for (const level of defaults) {
    const own = target.level(level);
    if (own === undefined) {
      if (option !== undefined && typeof option !== 'function') continue;
      fail(
        `the logger has no "${level}" level (${levels}): give ${name} a level it has, or a ` +
          'function choosing one',
      );
    }
    resolved.set(level, own);
  }
  const byDefault = (subject: T) => resolved.get(fallback(subject)) as string;
  if (option === undefined) return byDefault;
  if (typeof option === 'string') {
    if (option === '' || !known(option)) {
      fail(`${name} "${option}" is not a level of the logger (${levels}, or silent)`);
    }
    const level = option === 'silent' ? undefined : target.level(option);
    return () => level;
  }
  if (typeof option !== 'function') fail(`${name} must be a level name or a function`);
  return (subject) => {
    const wanted = option(subject);
    if (wanted === 'silent') return undefined;
    const level = typeof wanted === 'string' ? target.level(wanted) : undefined;
    if (level !== undefined) return level;
    target.warn(
      `${name}() returned ${JSON.stringify(wanted)}, not a level of the logger (${levels}); ` +
        'the line was written at the default level instead.',
    );
    return byDefault(subject);
  };
}
