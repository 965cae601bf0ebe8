'use strict';
// The Express gateway: calls the backend over pooled keep-alive connections, is answered
// through a shared event bus, batches audit entries flushed by a process-wide timer, logs
// response times in res.on('finish'), and relays a streamed response.
const http = require('node:http');
const { EventEmitter } = require('node:events');
const express = require('express');
const { createWiring, serve } = require('./wiring.cjs');

const wiring = createWiring(process.env.WIRING, {
  service: 'gateway',
  logFile: process.env.LOG_FILE,
});
const { logger, wrap } = wiring;
const backend = new URL(process.env.BACKEND_URL);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

// Pricing answers on a bus; its listener was registered at startup.
const bus = new EventEmitter();
bus.setMaxListeners(0);
bus.on('price', ({ reply }) => setTimeout(() => reply(42), Math.random() * 4));

// Audit entries, flushed in batches by a process-wide timer.
const auditLog = new EventEmitter().setMaxListeners(0);
setInterval(() => auditLog.emit('flush'), 15);
const audit = { push: (flush) => auditLog.once('flush', flush) };

function callBackend(path, req, callback) {
  const outgoing = http.get(
    {
      host: backend.hostname,
      port: backend.port,
      path,
      agent,
      headers: {
        ...wiring.outgoingHeaders(),
        'x-demo-request': req.headers['x-demo-request'] ?? '',
      },
    },
    (upstream) => callback(null, upstream),
  );
  outgoing.on('error', (error) => callback(error));
}

const app = express();
app.use(wiring.express());
app.get('/orders/:id', (req, res) => {
  const meta = { demo_request: req.headers['x-demo-request'], line: 'app' };
  const started = process.hrtime.bigint();
  logger.info('order received', meta);
  res.on('finish', () =>
    logger.info('response time', { ...meta, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
  );
  audit.push(wrap(() => logger.info('audit flushed', meta)));
  callBackend(
    `/inventory/${req.params.id}`,
    req,
    wrap((error, upstream) => {
      if (error) {
        logger.error('backend failed', { ...meta, error: error.message });
        if (!res.headersSent) res.status(502).end();
        return;
      }
      let body = '';
      upstream.setEncoding('utf8');
      upstream.on('data', (chunk) => {
        body += chunk;
      });
      upstream.on(
        'end',
        wrap(() => {
          logger.info('inventory answered', meta);
          bus.emit('price', {
            reply: wrap((price) => {
              logger.info('priced', meta);
              if (!res.destroyed)
                res.json({ order: req.params.id, inventory: JSON.parse(body || '{}'), price });
            }),
          });
        }),
      );
    }),
  );
});
app.get('/orders/:id/stream', (req, res) => {
  const meta = { demo_request: req.headers['x-demo-request'], line: 'app' };
  callBackend(
    `/stream/${req.params.id}`,
    req,
    wrap((error, upstream) => {
      if (error) {
        if (!res.headersSent) res.status(502).end();
        return;
      }
      res.type('text/plain');
      upstream.pipe(res);
      upstream.on(
        'end',
        wrap(() => logger.info('stream relayed', meta)),
      );
    }),
  );
});
serve(http.createServer(app), logger);
