'use strict';
// The backend on Fastify (demo.mjs --fastify): the same inventory from a connection pool that
// the first request creates (its callbacks then run in that request's context), and a body
// streamed from a process-wide timer queue, logged through pino.
const { Readable } = require('node:stream');
const Fastify = require('fastify');
const { db, ticks } = require('./resources.cjs');
const { createFastifyWiring } = require('./wiring-fastify.cjs');

const { logger, register, wrap } = createFastifyWiring(process.env.WIRING, {
  service: 'backend',
  logFile: process.env.LOG_FILE,
});

async function main() {
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true });
  await register(app);
  app.get('/inventory/:id', async (request, reply) => {
    const meta = { demo_request: request.headers['x-demo-request'], line: 'app' };
    logger.info(meta, 'inventory lookup');
    await new Promise((resolve) =>
      db().query(
        wrap(() => {
          logger.info(meta, 'db answered');
          resolve();
        }),
      ),
    );
    reply.raw.on('finish', () => logger.info(meta, 'inventory sent'));
    return { id: request.params.id, stock: 7 };
  });
  app.get('/stream/:id', (request, reply) => {
    const meta = { demo_request: request.headers['x-demo-request'], line: 'app' };
    const body = new Readable({ read() {} });
    let left = 4;
    const push = wrap(() => {
      body.push(`line ${left} of item ${request.params.id}\n`);
      if (--left > 0) ticks.push(push);
      else {
        logger.info(meta, 'stream done');
        body.push(null);
      }
    });
    ticks.push(push);
    reply.type('text/plain').send(body);
  });
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ listening: app.server.address().port })}\n`);
  process.on('SIGTERM', async () => {
    app.server.closeAllConnections();
    await app.close();
    await globalThis[Symbol.for('tracebridge.example.otel')]?.shutdown();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
