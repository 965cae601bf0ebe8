// One server variant in a process of its own, for the HTTP benchmarks:
//   node http-server.mjs <framework:variant>   → prints {"port": …}
// GET /__stats answers {cpu, heapUsed} (after a GC when run with --expose-gc), outside every
// middleware.
import http from 'node:http';
import { appFor } from './apps.mjs';

const app = await appFor(process.argv[2]);
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    res.end(
      JSON.stringify({ cpu: cpu.user + cpu.system, heapUsed: process.memoryUsage().heapUsed }),
    );
    return;
  }
  app(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
