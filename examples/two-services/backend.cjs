'use strict';
// The Koa backend: inventory from a connection pool that the first request creates (its
// callbacks then run in that request's context), and a body streamed from a process-wide
// timer queue.
const http = require('node:http');
const { Readable } = require('node:stream');
const Koa = require('koa');
const Router = require('@koa/router').default;
const { db, ticks } = require('./resources.cjs');
const { createWiring, serve } = require('./wiring.cjs');

const wiring = createWiring(process.env.WIRING, {
  service: 'backend',
  logFile: process.env.LOG_FILE,
});
const { logger, wrap } = wiring;

const router = new Router();
router.get('/inventory/:id', async (ctx) => {
  const meta = { demo_request: ctx.get('x-demo-request'), line: 'app' };
  logger.info('inventory lookup', meta);
  await new Promise((resolve) =>
    db().query(
      wrap(() => {
        logger.info('db answered', meta);
        resolve();
      }),
    ),
  );
  ctx.res.on('finish', () => logger.info('inventory sent', meta));
  ctx.body = { id: ctx.params.id, stock: 7 };
});
router.get('/stream/:id', (ctx) => {
  const meta = { demo_request: ctx.get('x-demo-request'), line: 'app' };
  const body = new Readable({ read() {} });
  let left = 4;
  const push = wrap(() => {
    body.push(`line ${left} of item ${ctx.params.id}\n`);
    if (--left > 0) ticks.push(push);
    else {
      logger.info('stream done', meta);
      body.push(null);
    }
  });
  ticks.push(push);
  ctx.type = 'text/plain';
  ctx.body = body;
});

const app = new Koa();
for (const middleware of wiring.koa()) app.use(middleware);
app.use(router.routes());
serve(http.createServer(app.callback()), logger);
