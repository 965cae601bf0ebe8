import { createLogger } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/express';
import express from 'express';
import winston from 'winston';

const logger = createLogger({ transports: [new winston.transports.Console()] });
const trace = tracing({ logger, traceResponse: true }); // context, req.log, one line per request
const app = express();
app.use(trace);
app.get('/', (req, res) => {
  res.on('finish', () => req.log.info('response sent')); // this request's ids, however late
  res.json({ traceId: req.traceContext.traceId });
});
app.get('/fail', () => {
  throw new Error('boom'); // an error line with this request's ids; the request line gets error.type
});
app.use(trace.errors); // after the routes: Express's error middleware
const server = app.listen(process.env.PORT ?? 3000, () =>
  logger.info('listening', { address: server.address() }),
);
