/**
 * What `req.log` (Express) and `ctx.log` (Koa) are typed as, by default: a logger with the
 * usual level methods. Declare your logger's own type once, and they are typed as it:
 *
 * @example
 * declare module '@tracebridge/core' {
 *   interface Register {
 *     logger: typeof logger; // your winston.Logger or pino.Logger
 *   }
 * }
 */
export interface LoggerMethods {
  error(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  info(...args: unknown[]): unknown;
  debug(...args: unknown[]): unknown;
  child(...args: unknown[]): unknown;
}

/** Merge `logger: YourLoggerType` into this interface to type `req.log` and `ctx.log`. */
// biome-ignore lint/suspicious/noEmptyInterface: declaration merging is the point.
export interface Register {}

/** The type of `req.log` and `ctx.log`: the registered logger type, else {@link LoggerMethods}. */
export type RequestLog = Register extends { logger: infer L } ? L : LoggerMethods;
