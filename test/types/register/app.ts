// Registering the logger's type once types req.log and ctx.log as it.
import { createLogger } from '@tracebridge/core/winston';
import { tracing as expressTracing } from '@tracebridge/express';
import { tracing as koaTracing } from '@tracebridge/koa';
import express from 'express';
import Koa from 'koa';
import type winston from 'winston';

declare module '@tracebridge/core' {
  interface Register {
    logger: winston.Logger;
  }
}

const logger = createLogger();
const app = express();
app.use(expressTracing({ logger }));
app.get('/', (req, res) => {
  const log: winston.Logger = req.log;
  log.profile('handler'); // a Winston-only method
  res.send('ok');
});
const koa = new Koa();
koa.use(koaTracing({ logger }));
koa.use((ctx) => {
  const log: winston.Logger = ctx.log;
  log.profile('handler');
});
