#!/usr/bin/env node
import { main } from './cli/main.js';

// SIGTERM (systemd stopping the unit) and SIGINT abort the running load: the engine command is killed, so
// nothing half-loaded is tagged, and the next boot loads that image again. A second signal ends at once.
const controller = new AbortController();
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.once(name, () => {
    controller.abort(new DOMException(`interrupted by ${name}`, 'AbortError'));
    process.once(name, () => process.exit(130));
  });
}
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') return;
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
