// Run as `node --allow-natives-syntax object-shape-probe.cjs`: one request through Express 4
// and Express 5 with tracing(); prints, per version, whether the handler's `req` and `res`
// are in V8's fast or dictionary mode, and their own property keys.
const http = require('node:http');
const { Writable } = require('node:stream');
const winston = require('winston');
const { tracing } = require('@tracebridge/express');

const hasFastProperties = new Function('object', 'return %HasFastProperties(object)');
const logger = winston.createLogger({
  transports: [
    new winston.transports.Stream({ stream: new Writable({ write: (_c, _e, cb) => cb() }) }),
  ],
});

function probe(express, useTracing) {
  const app = express();
  if (useTracing) app.use(tracing({ logger }));
  let seen;
  app.get('/', (req, res) => {
    seen = {
      reqFast: hasFastProperties(req),
      resFast: hasFastProperties(res),
      reqKeys: Reflect.ownKeys(req).map(String),
      resKeys: Reflect.ownKeys(res).map(String),
      traceId: req.traceContext?.traceId,
      hasLog: typeof req.log?.info === 'function',
    };
    res.send('ok');
  });
  return new Promise((resolve, reject) => {
    const server = http.createServer(app).listen(0, '127.0.0.1', () => {
      http
        .get({ host: '127.0.0.1', port: server.address().port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => server.close(() => resolve(seen)));
        })
        .on('error', reject);
    });
  });
}

(async () => {
  const out = {};
  for (const [name, express] of [
    ['express4', require('express4')],
    ['express5', require('express')],
  ]) {
    out[name] = { bare: await probe(express, false), tracing: await probe(express, true) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
})();
