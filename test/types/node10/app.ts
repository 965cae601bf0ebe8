// `module: commonjs` with classic Node resolution (node10), which reads no `exports` map.
import { current, newTraceContext, run } from '@tracebridge/core';
import { createLogger, traceFormat } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/express';
import { tracing as koaTracing } from '@tracebridge/koa';

const logger = createLogger({ format: traceFormat() });
run(newTraceContext(), () => logger.info('in a context', { traceId: current()?.traceId }));
export const middlewares = [tracing({ logger }), koaTracing({ logger })];
