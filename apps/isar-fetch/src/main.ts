#!/usr/bin/env node
import { tuneGarbageCollector } from './gc-tuning.js';
import { main } from './index.js';

tuneGarbageCollector();

// Ctrl-C, and SIGTERM/SIGHUP (bitbake stopping its workers, a closed terminal), abort the running command
// through its signal, so it removes its temp files and releases its locks; a second one ends the process at
// once. The exit status is the shell's for that signal (128 + its number).
const STATUS = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
const controller = new AbortController();
let caught: keyof typeof STATUS | undefined;
for (const name of Object.keys(STATUS) as Array<keyof typeof STATUS>) {
  process.on(name, () => {
    if (caught !== undefined) process.exit(STATUS[caught]);
    caught = name;
    controller.abort(new DOMException('interrupted', 'AbortError'));
  });
}
// A closed pipe (`isar-fetch ... | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const status = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = caught !== undefined && status === STATUS.SIGINT ? STATUS[caught] : status;
