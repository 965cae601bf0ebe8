// One app of apps.mjs in a process of its own:
//   node server.mjs <framework:variant>   → prints {"port": …}
// GET /__stats answers {cpuMicros, heapUsed, lines} outside the app (heapUsed after a full
// GC when the process runs with --expose-gc).
import http from 'node:http';
import { appFor, linesWritten } from './apps.mjs';

const server = http.createServer();
const app = await appFor(process.argv[2], server);
server.on('request', (req, res) => {
  if (req.url !== '/__stats') {
    app(req, res);
    return;
  }
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  res.end(
    JSON.stringify({
      cpuMicros: cpu.user + cpu.system,
      heapUsed: process.memoryUsage().heapUsed,
      lines: linesWritten(),
    }),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
