'use strict';
// An Express service whose logs reach OpenTelemetry twice: as JSON lines on stdout, and as
// LogRecords through @opentelemetry/winston-transport — both with the ids of the span they
// were written in.   node --require ./otel.cjs app.cjs
const express = require('express');
const winston = require('winston');
const { OpenTelemetryTransportV3 } = require('@opentelemetry/winston-transport');
const { createLogger } = require('@tracebridge/core/winston');
const { tracing } = require('@tracebridge/express');

const logger = createLogger({
  transports: [new winston.transports.Console(), new OpenTelemetryTransportV3()],
});
const app = express();
app.use(tracing({ logger }));
app.get('/hello/:name', (req, res) => {
  setTimeout(() => {
    req.log.info('greeting', { who: req.params.name });
    res.json({ hello: req.params.name, traceId: req.traceContext.traceId });
  }, 5);
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  logger.info('listening', { port: server.address().port });
});
process.on('SIGTERM', () => {
  server.close(async () => {
    await globalThis[Symbol.for('tracebridge.example.otel')]?.shutdown();
    process.exit(0);
  });
  server.closeAllConnections();
});
