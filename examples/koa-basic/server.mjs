import { createLogger } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/koa';
import Koa from 'koa';
import winston from 'winston';

const logger = createLogger({ transports: [new winston.transports.Console()] });
const app = new Koa();
app.use(tracing({ logger, traceResponse: true })); // context, ctx.log, one line per request, errors included
app.use((ctx) => {
  ctx.res.on('finish', () => ctx.log.info('response sent')); // Koa ends responses outside any middleware
  ctx.body = { traceId: ctx.state.traceContext.traceId };
});
const server = app.listen(process.env.PORT ?? 3000, () =>
  logger.info('listening', { address: server.address() }),
);
