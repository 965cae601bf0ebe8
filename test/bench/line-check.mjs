// Does each variant's request line carry the trace id of its own request? The app of one
// variant (apps.mjs) behind a node:http server on 127.0.0.1, concurrent requests each with
// its own traceparent and a numbered URL; each line is matched to its request by the number.
//   node line-check.mjs <framework:variant> <requests>
//   → prints {"lines", "right", "missing", "wrong"}
// right: the line names its request's trace id; wrong: another request's; missing: none.
// A line that only echoes the incoming traceparent header (a logged request header) does
// not count as naming it: that is the caller's value, not an id the logger attached.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { appFor, setLineSink } from './apps.mjs';

const [variant, requestsArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const lines = [];
setLineSink((line) => lines.push(line));
const app = await appFor(variant);
const server = http.createServer(app);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
const traceIds = Array.from({ length: requests }, () => randomBytes(16).toString('hex'));

function send(n) {
  return new Promise((resolve, reject) => {
    const traceparent = `00-${traceIds[n]}-${randomBytes(8).toString('hex')}-01`;
    const req = http.get(
      { host: '127.0.0.1', port, path: `/?n=${n}`, agent, headers: { traceparent } },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
  });
}

await Promise.all(traceIds.map((_, n) => send(n)));
// Lines are written when responses finish; give the last ones a moment (bounded).
for (let i = 0; i < 100 && lines.length < requests; i++)
  await new Promise((resolve) => setTimeout(resolve, 10));
agent.destroy();
server.close();

const counts = { lines: lines.length, right: 0, missing: 0, wrong: 0 };
const allIds = new Set(traceIds);
for (const line of lines) {
  const n = Number(/[?&]n=(\d+)/.exec(line)?.[1] ?? /n=(\d+)/.exec(line)?.[1]);
  const own = line.replace(/[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/g, '');
  const named = [...own.matchAll(/[0-9a-f]{32}/g)].map((m) => m[0]).filter((id) => allIds.has(id));
  if (named.length === 0) counts.missing++;
  else if (Number.isInteger(n) && named.every((id) => id === traceIds[n])) counts.right++;
  else counts.wrong++;
}
process.stdout.write(`${JSON.stringify(counts)}\n`);
