import { type ChildProcess, spawn } from 'node:child_process';
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
