const said = new Set<string>();

/**
 * Emits `message` as a process warning with `code`, once per process: a mistake that shows
 * on every request is reported, not repeated.
 */
export function warnOnce(code: string, message: string): void {
  if (said.has(message)) return;
  said.add(message);
  process.emitWarning(message, { code });
}
