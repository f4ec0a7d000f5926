import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { LoaderError } from '../errors.js';

export interface CommandResult {
  code: number;
  stdout: string;
  /** The tail of stderr (bounded). */
  stderr: string;
}

export interface CommandOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Streamed to the command's stdin with back-pressure (never buffered whole). */
  input?: NodeJS.ReadableStream;
  signal?: AbortSignal;
}

const STDOUT_LIMIT = 1 << 20;
const STDERR_LIMIT = 16 << 10;

/**
 * Runs an engine command to completion. A failure of the input stream kills the command, so that e.g.
 * `docker load` sees a broken connection and stores nothing, instead of a tar that merely ends early.
 * Resolves with the exit code (the caller decides what a non-zero code means); rejects when the command
 * cannot be started (`ENGINE_UNAVAILABLE`), when the input fails, or on abort.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const { signal } = options;
  return new Promise<CommandResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(command, args, {
      env: options.env as NodeJS.ProcessEnv,
      stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    let inputError: unknown;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (stdout.length < STDOUT_LIMIT) stdout += text;
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_LIMIT);
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (error: unknown, result?: CommandResult) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(result as CommandResult);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? 'not found' : (error.code ?? error.message);
      finish(new LoaderError('ENGINE_UNAVAILABLE', `cannot run ${command} (${reason})`, { cause: error }));
    });
    child.once('close', (code, killedBy) => {
      if (signal?.aborted) finish(signal.reason);
      else if (inputError !== undefined) finish(inputError);
      else finish(undefined, { code: code ?? 128 + (killedBy ? 9 : 0), stdout, stderr: stderr.trim() });
    });
    if (options.input && child.stdin) {
      pipeline(options.input, child.stdin).catch((error: NodeJS.ErrnoException) => {
        // EPIPE: the command stopped reading (and will say why in its exit code and stderr).
        if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        inputError = error;
        child.kill('SIGKILL');
      });
    }
  });
}
