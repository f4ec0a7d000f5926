/** htpasswd files with bcrypt entries, the only hash Distribution's htpasswd auth accepts. */
import { writeFile } from 'node:fs/promises';
import { runChecked } from './run-command.js';

/** Writes `users` (name -> plain password) as a bcrypt htpasswd file at `file`. */
export async function writeHtpasswd(
  file: string,
  users: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    // -C 4: lowest bcrypt cost, the registry checks it on every request and tests should stay fast.
    const { stdout } = await runChecked('htpasswd', ['-nbB', '-C', '4', user, password], { signal });
    lines.push(stdout.trim());
  }
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}
