import http from 'node:http';
import {
  bindLogger,
  createRequestLifecycle,
  createRequestLog,
  requestContext,
} from '@tracebridge/core';
import { createLogger } from '@tracebridge/core/winston';
import winston from 'winston';

const logger = createLogger({ transports: [new winston.transports.Console()] });
const lifecycle = createRequestLifecycle({
  traceResponse: true,
  onDone: createRequestLog({ logger }), // one line per request, aborted ones included
});
const server = http.createServer((req, res) =>
  lifecycle.handle(req, res, () => {
    const log = bindLogger(logger); // this request's ids, however late
    res.on('finish', () => log.info('response sent'));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ traceId: requestContext(req)?.traceId }));
  }),
);
server.listen(process.env.PORT ?? 3000, () =>
  logger.info('listening', { address: server.address() }),
);
