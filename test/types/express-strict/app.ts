// The README's Express quick start, as a TypeScript user writes it, under `strict`.
import type { RequestLog, TraceContext } from '@tracebridge/core';
import { createLogger } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/express';
import express from 'express';
import winston from 'winston';

const logger = createLogger({ transports: [new winston.transports.Console()] });
const trace = tracing({
  logger,
  traceResponse: true,
  requestLog: { skip: (req) => req.url === '/health' },
});
const app = express();
app.use(trace);
app.get('/', (req, res) => {
  res.on('finish', () => req.log.info('response sent'));
  const traceId: string = req.traceContext.traceId;
  const context: TraceContext = req.traceContext;
  const log: RequestLog = req.log;
  res.json({ traceId, context, log: typeof log });
});
app.use(trace.errors);
app.listen(3000);

// @ts-expect-error: options are typed — a level is a string or a function.
tracing({ logger, requestLog: { level: 3 } });
// @ts-expect-error: an unknown option is refused.
tracing({ logger, nope: true });

// Outgoing calls: the trace headers go as they are into fetch and http.request.
import http from 'node:http';
import { traceFromResponse, traceHeaders } from '@tracebridge/core';

app.get('/call', async (req, res) => {
  const response = await fetch('http://127.0.0.1:8080/', {
    headers: { ...traceHeaders(), accept: 'application/json' },
  });
  await fetch('http://127.0.0.1:8080/', { headers: traceHeaders() });
  http.get({ host: '127.0.0.1', port: 8080, headers: traceHeaders() });
  const called: string | undefined = traceFromResponse(response.headers)?.traceId;
  res.json({ called, traceId: req.traceContext.traceId });
});
