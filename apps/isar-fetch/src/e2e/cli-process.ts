import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin, run as bitbake and users run it: a separate process. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Non-empty stderr lines. */
  lines: string[];
}

/** Starts `isar-fetch <args>`; `done` resolves when it exits (never rejects). */
export function startCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    // A clean environment: no proxies or BB_* of the machine running the tests.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, lines: stderr.split('\n').filter((l) => l !== '') }),
    );
  });
  return { child, done };
}

export function cli(args: readonly string[], options?: { env?: Record<string, string>; cwd?: string }) {
  return startCli(args, options).done;
}
