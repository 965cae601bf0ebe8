// publint and arethetypeswrong over every built package: the exports map, the ESM/CJS
// split and the .d.ts/.d.cts files must resolve as Node and bundlers will resolve them —
// attw's full profile, classic node10 resolution (which reads no exports map) included.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let failed = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  const cwd = join(root, 'packages', dir);
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.']],
  ]) {
    try {
      execFileSync(join(root, 'node_modules', '.bin', tool), args, { cwd, stdio: 'inherit' });
    } catch {
      failed++;
      console.error(`${tool} failed for packages/${dir}`);
    }
  }
}
process.exit(failed === 0 ? 0 : 1);
