// Server work per request without the network: one variant's request listener (apps.mjs)
// driven in this process through sockets that drop what they are sent, 50 requests in
// flight, each connection carrying its requests one after another (keep-alive).
//   node in-process.mjs <framework:variant> <requests per sample> <samples> [--pause [warm-up]]
//   → prints {"node": "<version>", "samples": [CPU µs per request, …]}
// With --pause it stops after the warm-up and again after the samples, says so on stderr and
// goes on at a line on stdin each time (instructions.mjs zeroes callgrind's counters at the
// first stop and dumps them at the second).
//   node in-process.mjs <framework:variant> <requests per batch> --batches [warm-up]
//   → after the warm-up prints "ready", then runs one batch per line read on stdin and
//     prints its CPU µs per request (paired.mjs alternates two such processes).
// What it leaves out, on purpose: parsing, syscalls and the kernel's loopback work, which
// at saturation grow per request for the slower server (the client on the same two cores
// must be woken more often) and so blur the comparison of the servers' own work.
import http from 'node:http';
import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';
import { appFor } from './apps.mjs';

const [variant, requestsArg, samplesArg, pauseArg, warmArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const samples = Number(samplesArg);
const IN_FLIGHT = 50;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A connection that accepts every write and never sends anything. */
class NullSocket extends Duplex {
  remoteAddress = '127.0.0.1';
  remotePort = 50_000;
  _read() {}
  _write(_chunk, _encoding, callback) {
    callback();
  }
  _writev(_chunks, callback) {
    callback();
  }
  setTimeout() {
    return this;
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
}

function request(app, socket) {
  return new Promise((resolve, reject) => {
    const req = new http.IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/';
    req.httpVersion = '1.1';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = { host: '127.0.0.1', 'user-agent': 'bench', traceparent: TRACEPARENT };
    req.rawHeaders = ['Host', '127.0.0.1', 'User-Agent', 'bench', 'traceparent', TRACEPARENT];
    req.complete = true;
    req.push(null);
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = true;
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      if (res.statusCode !== 200)
        reject(new Error(`in-process: ${variant} answered ${res.statusCode}`));
      else setImmediate(resolve);
    });
    app(req, res);
  });
}

async function sample(app, count) {
  let started = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      const socket = new NullSocket();
      while (started < count) {
        started++;
        await request(app, socket);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

/** With --pause: says where it is on stderr, and waits for a line on stdin. */
async function pause(where) {
  if (pauseArg !== '--pause') return;
  process.stderr.write(`in-process: ${where}\n`);
  await new Promise((resolve) => process.stdin.resume().once('data', resolve));
  process.stdin.pause();
}

// Set up before the warm-up: creating process.stdin loads and runs enough code to blur a
// count taken right after it.
if (pauseArg === '--pause') process.stdin.pause();

const app = await appFor(variant);
if (samplesArg === '--batches') {
  const batchWarm = pauseArg; // in this mode the fourth argument is the warm-up
  await sample(app, batchWarm === undefined ? Math.max(1000, requests >> 1) : Number(batchWarm));
  process.stdout.write('ready\n');
  for await (const _ of createInterface({ input: process.stdin }))
    process.stdout.write(`${await sample(app, requests)}\n`);
  process.exit(0);
}
await sample(app, warmArg === undefined ? Math.max(1000, requests >> 1) : Number(warmArg)); // warm-up
await pause('warm');
const out = [];
for (let i = 0; i < samples; i++) out.push(await sample(app, requests));
await pause('measured');
process.stdout.write(`${JSON.stringify({ node: process.version.slice(1), samples: out })}\n`);
