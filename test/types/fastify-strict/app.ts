// The Fastify guide's quick start, as a TypeScript user writes it, under `strict`.
import type { TraceContext } from '@tracebridge/core';
import { createPinoLogger, traceMixin } from '@tracebridge/core/pino';
import { tracing } from '@tracebridge/fastify';
import Fastify from 'fastify';
import pino from 'pino';

const app = Fastify({ loggerInstance: createPinoLogger({ level: 'debug' }) });
await app.register(tracing, {
  traceResponse: true,
  trustIncoming: (req) => req.socket.remoteAddress === '10.0.0.2', // the raw request
  requestLog: {
    skip: (request) => request.url === '/health',
    lineFields: (request) => ({ id: request.id }),
  },
});
app.get('/', async (request) => {
  request.raw.on('close', () => request.log.info('closed'));
  const context: TraceContext = request.traceContext;
  return { traceId: context.traceId };
});
await app.listen({ port: 3000 });

// Your own pino, with the mixin: every line of it carries the ids of its context.
const logger = pino({ mixin: traceMixin({ preset: 'ecs', mixin: () => ({ service: 'api' }) }) });
logger.info('hello');

// @ts-expect-error: options are typed — a level is a string or a function.
app.register(tracing, { requestLog: { level: 3 } });
