import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Path of the built `dist/index.js`, rebuilding it first when sources are newer. Child processes that must
 * measure only our code (no test runner) import it.
 */
export function builtEntry(): string {
  const entry = join(packageRoot, 'dist', 'index.js');
  if (!existsSync(entry) || statSync(entry).mtimeMs < newestSource(join(packageRoot, 'src'))) {
    execFileSync('pnpm', ['exec', 'tsup', '--silent'], { cwd: packageRoot, stdio: 'ignore' });
  }
  return entry;
}
