import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { random } from '../../packages/core/test-support/random.js';

export function randomTraceparent(): { traceId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}

/** Starts `count` POSTs at once (each with a body in two chunks and its own traceparent),
 * spread over a few ms; resolves when every response has been read. */
export async function concurrentRequests(
  port: number,
  count: number,
  keepAlive: boolean,
): Promise<number> {
  const agent = new http.Agent({
    keepAlive,
    maxSockets: keepAlive ? 50 : Number.POSITIVE_INFINITY,
  });
  try {
    const done = await Promise.all(
      Array.from(
        { length: count },
        (_, i) =>
          new Promise<number>((resolve, reject) => {
            setTimeout(() => {
              const req = http.request(
                {
                  host: '127.0.0.1',
                  port,
                  method: 'POST',
                  path: `/r/${i}`,
                  agent,
                  headers: { traceparent: randomTraceparent().header },
                },
                (res) => {
                  res.resume();
                  res.on('end', () => resolve(res.statusCode ?? 0));
                },
              );
              req.on('error', reject);
              req.write(`part one of ${i};`);
              setTimeout(() => req.end('part two'), random() * 5);
            }, random() * 20);
          }),
      ),
    );
    return done.filter((status) => status === 200).length;
  } finally {
    agent.destroy();
  }
}

function rawRequest(i: number): string {
  const body = `pipelined body ${i}`;
  return (
    `POST /p/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: ${randomTraceparent().header}\r\n` +
    `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Opens `connections` raw sockets and pipelines `perConnection` requests on each in one
 * write; resolves when every response has arrived (counted by status lines). */
export async function pipelinedRequests(
  port: number,
  connections: number,
  perConnection: number,
): Promise<number> {
  const counts = await Promise.all(
    Array.from(
      { length: connections },
      (_, c) =>
        new Promise<number>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.write(
              Array.from({ length: perConnection }, (_, i) => rawRequest(c * 100 + i)).join(''),
            );
          });
          let text = '';
          const deadline = setTimeout(() => {
            socket.destroy();
            reject(
              new Error(
                `pipelined connection ${c}: timed out with ${text.split('HTTP/1.1 200').length - 1} responses`,
              ),
            );
          }, 20_000);
          socket.setEncoding('latin1');
          socket.on('data', (chunk: string) => {
            text += chunk;
            const seen = text.split('HTTP/1.1 200').length - 1;
            if (seen === perConnection && /0\r\n\r\n$|ok [a-z]+ \d+$/.test(text)) {
              clearTimeout(deadline);
              socket.end();
              resolve(seen);
            }
          });
          socket.on('error', reject);
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Pipelines requests on raw sockets and destroys each socket once the first response
 * starts: the queued responses then emit neither 'finish' nor 'close'. */
export async function abortedPipelines(
  port: number,
  connections: number,
  perConnection: number,
): Promise<void> {
  await Promise.all(
    Array.from(
      { length: connections },
      (_, c) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.write(
              Array.from({ length: perConnection }, (_, i) => rawRequest(c * 1000 + i)).join(''),
            );
          });
          socket.once('data', () => socket.destroy());
          socket.on('close', () => resolve());
          socket.on('error', () => undefined);
        }),
    ),
  );
}

/** Sends requests and destroys each connection before its response is complete. */
export async function abortedRequests(port: number, count: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve) => {
          const req = http.request({
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/a/${i}`,
            agent: false,
            headers: { traceparent: randomTraceparent().header },
          });
          req.on('error', () => resolve());
          req.on('close', () => resolve());
          // Destroyed once the whole request is on the wire, while the server is still
          // busy with it (the scenario answers after 0-10 ms and more).
          req.end('abort me', () => setTimeout(() => req.destroy(), 1 + random() * 6));
        }),
    ),
  );
}
