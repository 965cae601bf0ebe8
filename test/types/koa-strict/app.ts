// The README's Koa quick start, as a TypeScript user writes it, under `strict`.
import type { RequestLog, TraceContext } from '@tracebridge/core';
import { createLogger } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/koa';
import Koa from 'koa';
import winston from 'winston';

const logger = createLogger({ transports: [new winston.transports.Console()] });
const app = new Koa();
app.use(
  tracing({ logger, traceResponse: true, requestLog: { skip: (ctx) => ctx.path === '/health' } }),
);
app.use((ctx) => {
  ctx.res.on('finish', () => ctx.log.info('response sent'));
  const context: TraceContext = ctx.state.traceContext;
  const log: RequestLog = ctx.log;
  ctx.body = { traceId: context.traceId, log: typeof log };
});
app.on('error', (err: Error) => logger.error('failed', { reason: err.message }));
app.listen(3000);
