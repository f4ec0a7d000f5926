import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { ArchiveError } from '../errors.js';

/** The command used when the addon is missing; `ISAR_ZSTD_COMMAND` points at another binary (tests). */
export function zstdCommandPath(): string {
  return process.env.ISAR_ZSTD_COMMAND || 'zstd';
}

/**
 * Runs `zstd <args>` as a stream stage: the source goes to its stdin, its stdout is yielded. The exit status
 * is checked at the end, so a corrupt or truncated input fails the stream instead of ending it quietly.
 */
export async function* runZstdCommand(
  args: readonly string[],
  source: AsyncIterable<Buffer>,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const command = zstdCommandPath();
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], signal });
  let stderr = '';
  child.stderr.setEncoding('utf-8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  let childError: NodeJS.ErrnoException | undefined;
  child.on('error', (error: NodeJS.ErrnoException) => {
    childError ??= error;
  });
  // Not events.once: that would reject on 'error' and go unhandled when spawning fails.
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve([code, signal])),
  );
  const spawned = new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  // zstd may exit early on bad input and close stdin: an EPIPE there is reported through the exit status.
  const feeding = pipeline(source, child.stdin).catch((error: unknown) => error);
  let finished = false;
  try {
    const startError = await spawned;
    if (startError) {
      throw new ArchiveError(
        'ZSTD_UNAVAILABLE',
        `cannot run "${command}" (${startError.code ?? startError.message}); install the zstd package`,
        { cause: startError },
      );
    }
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk;
    const [code, killedBy] = await closed;
    const feedError = await feeding;
    signal?.throwIfAborted();
    if (childError) throw childError;
    if (code !== 0) {
      const message = stderr.trim().split('\n').pop() ?? '';
      const truncated = /premature end|unexpected end|truncated/i.test(message);
      throw new ArchiveError(
        truncated ? 'TRUNCATED' : 'CORRUPT_DATA',
        `${command} ${args.join(' ')} failed (${killedBy ?? `exit ${code}`}): ${message || 'no message'}`,
        { cause: feedError instanceof Error ? feedError : undefined },
      );
    }
    if (feedError instanceof Error) throw feedError;
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGKILL');
  }
}
