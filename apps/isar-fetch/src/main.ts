#!/usr/bin/env node
import { main } from './index.js';

// Ctrl-C aborts the running command through its signal; a second one ends the process at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort(new DOMException('interrupted', 'AbortError'));
  process.once('SIGINT', () => process.exit(130));
});
// A closed pipe (`isar-fetch ... | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
