/** Runs a short-lived command to completion and collects its output. */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: NodeJS.ReadableStream | Buffer | string;
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Failure of a command run by the kit; the message carries the command line and its stderr. */
export class CommandError extends Error {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  constructor(command: string, args: string[], result: RunResult) {
    super(`${command} ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim().slice(-4000)}`);
    this.name = 'CommandError';
    this.code = result.code;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/** Runs `command` and resolves with its output and exit code (never rejects on a non-zero code). */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      signal: options.signal,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signalName) => {
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code: code ?? (signalName ? 128 : 1),
      });
    });
    if (options.input !== undefined && child.stdin) {
      const source =
        typeof options.input === 'string' || Buffer.isBuffer(options.input)
          ? Readable.from([options.input])
          : options.input;
      // EPIPE when the command exits without reading everything is reported through its exit code.
      pipeline(source, child.stdin).catch(() => {});
    }
  });
}

/** Like runCommand, but rejects with a CommandError on a non-zero exit code. */
export async function runChecked(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) throw new CommandError(command, args, result);
  return result;
}
