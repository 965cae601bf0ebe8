import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';

export const examples = join(import.meta.dirname, '..', '..', 'examples');

export interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** Spawns an example process and resolves once it reports its port (a JSON line with
 * `listening` or `port`). Bounded: rejects after 20 s or if the process exits first. */
export function startExample(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Running> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no port reported by ${args.join(' ')}:\n${out}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const match = /"(?:listening|port)":(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
export function stopExample({ child }: Running): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The trace of the requests {@link getTraced} sends, as their caller's `traceparent`. */
export const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

/** GET on 127.0.0.1 with `headers`; resolves with the whole response. */
export function get(port: number, path: string, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        })
        .on('error', reject);
    },
  );
}

/** GET on 127.0.0.1 as a traced caller: `traceparent` names {@link TRACE}. */
export function getTraced(port: number, path: string) {
  return get(port, path, { traceparent: PARENT });
}

/** The JSON lines of a process's output. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** Waits until `check()` holds, polling; gives up after `maxMs` (the caller then asserts). */
export async function waitFor(check: () => boolean, maxMs = 5000) {
  const until = Date.now() + maxMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
