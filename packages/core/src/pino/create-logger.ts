import type pino from 'pino';
import { kWritesIds } from '../log-record.js';
import { optionalPeer } from '../optional-peer.js';
import { type TraceMixinOptions, traceMixin } from './mixin.js';

/** pino's own options, plus the names of the id fields (as {@link traceMixin}'s). */
export type CreatePinoLoggerOptions = pino.LoggerOptions & {
  /** The names of the id fields (as {@link traceMixin}'s options). */
  trace?: Omit<TraceMixinOptions, 'mixin'>;
};

// Loaded on first use, so that importing this entry (for traceMixin, say) never loads pino.
const loadPino = optionalPeer<typeof pino>('pino', '@tracebridge/core/pino: createPinoLogger()');

/**
 * `pino(options, destination)` with tracebridge's mixin: every line carries the ids of the
 * context it is written in (see {@link traceMixin}; your own `mixin` is kept, its fields
 * first). Adapters and `bindLogger` leave the ids to it, so that `req.log` and the request
 * line name the child span a line is written in, and never carry two sets of ids.
 *
 * @example
 * const logger = createPinoLogger({ level: 'debug', trace: { preset: 'datadog' } });
 * logger.info('hello'); // {"level":30,…,"trace_id":"…","span_id":"…","trace_flags":"01","msg":"hello"}
 */
export function createPinoLogger(
  options: CreatePinoLoggerOptions = {},
  destination?: pino.DestinationStream,
): pino.Logger {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('@tracebridge/core/pino: createPinoLogger(options) expects an object');
  }
  const { trace = {}, mixin, ...rest } = options;
  const traced = traceMixin({ ...trace, ...(mixin !== undefined && { mixin }) });
  const p = loadPino();
  const logger =
    destination === undefined
      ? p({ ...rest, mixin: traced })
      : p({ ...rest, mixin: traced }, destination);
  Object.defineProperty(logger, kWritesIds, { value: true });
  return logger;
}
