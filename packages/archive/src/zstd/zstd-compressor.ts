import { availableParallelism } from 'node:os';
import { Duplex } from 'node:stream';
import { ArchiveError } from '../errors.js';
import { addonLoadError, loadZstdAddon, type ZstdBinding } from './zstd-addon.js';
import { runZstdCommand } from './zstd-command.js';

/** Options of {@link createZstdCompressor}. */
export interface ZstdCompressorOptions {
  /** zstd level, 1..22 (default 3, as Isar's `ZSTD_DEFAULTS`). */
  level?: number;
  /** Worker threads (default: the CPU count, at most 8). Never 0: see {@link createZstdCompressor}. */
  threads?: number;
  /**
   * Bytes per worker job (default 2 MiB). Part of the output format: the same level and job size give the
   * same bytes for any thread count. Smaller jobs bound memory (each worker holds about two jobs).
   */
  jobSize?: number;
  /** Append the XXH64 content checksum (default true, as the zstd command does), so `zstd -t` can check. */
  checksum?: boolean;
  /** `addon` (default when it loads), or `command` to force the `zstd` program. */
  engine?: 'addon' | 'command';
  signal?: AbortSignal;
}

/** zstd level when none is given: 3, Isar's `ZSTD_DEFAULTS`. */
export const defaultZstdLevel = 3;
/**
 * Bytes per zstd worker job when none is given (2 MiB); part of the output format, see {@link
 * ZstdCompressorOptions}.
 */
export const defaultZstdJobSize = 2 << 20;

/** zstd worker threads when none are given: the CPU count, between 1 and 8. */
export function defaultZstdThreads(): number {
  return Math.min(8, Math.max(1, availableParallelism()));
}

/**
 * A streaming zstd compressor (a Duplex: bytes in, one zstd frame out, written as produced).
 *
 * Always multithreaded mode (`nbWorkers >= 1`): zstd's worker-mode output is identical whatever the worker
 * count but differs from single-threaded mode, so archives come out byte-identical on any machine.
 * Falls back to the `zstd` command when the addon cannot load; that output is valid but not byte-identical
 * to the addon's (the command picks its own job size).
 */
export async function createZstdCompressor(options: ZstdCompressorOptions = {}): Promise<Duplex> {
  const level = options.level ?? defaultZstdLevel;
  const threads = options.threads ?? defaultZstdThreads();
  const jobSize = options.jobSize ?? defaultZstdJobSize;
  if (!Number.isInteger(level) || level < 1 || level > 22) {
    throw new ArchiveError('INVALID_INPUT', `zstd level must be an integer 1..22, got ${level}`);
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > 200) {
    throw new ArchiveError('INVALID_INPUT', `zstd threads must be an integer 1..200, got ${threads}`);
  }
  const checksum = options.checksum ?? true;
  const binding = options.engine === 'command' ? undefined : await loadZstdAddon();
  if (binding)
    return Duplex.from((source: AsyncIterable<Buffer>) =>
      compressWithAddon(binding, source, { level, threads, jobSize, checksum }),
    );
  if (options.engine === 'addon') {
    throw new ArchiveError('ZSTD_UNAVAILABLE', 'the zstd-napi addon cannot be loaded', {
      cause: addonLoadError(),
    });
  }
  const args = ['-q', '-c', `-${level}`, `-T${threads}`, checksum ? '--check' : '--no-check'];
  if (level > 19) args.unshift('--ultra');
  return Duplex.from((source: AsyncIterable<Buffer>) => runZstdCommand(args, source, options.signal));
}

interface AddonParameters {
  level: number;
  threads: number;
  jobSize: number;
  checksum: boolean;
}

async function* compressWithAddon(
  zstd: ZstdBinding,
  source: AsyncIterable<Buffer>,
  parameters: AddonParameters,
): AsyncGenerator<Buffer> {
  const context = new zstd.CCtx();
  context.setParameter(zstd.CParameter.compressionLevel, parameters.level);
  context.setParameter(zstd.CParameter.checksumFlag, parameters.checksum ? 1 : 0);
  context.setParameter(zstd.CParameter.nbWorkers, parameters.threads);
  context.setParameter(zstd.CParameter.jobSize, parameters.jobSize);
  const outSize = zstd.cStreamOutSize();
  const run = (input: Buffer, endOp: number): Buffer[] => {
    const produced: Buffer[] = [];
    let rest = input;
    for (;;) {
      const out = Buffer.allocUnsafe(outSize);
      // In worker mode this returns at once unless no progress is possible (then it waits for a worker).
      const [remaining, written, consumed] = context.compressStream2(out, rest, endOp);
      if (written > 0) produced.push(out.subarray(0, written));
      rest = rest.subarray(consumed);
      const flushing = endOp !== zstd.EndDirective.continue;
      if (rest.length === 0 && (flushing ? remaining === 0 : written < out.length)) return produced;
    }
  };
  for await (const chunk of source) {
    for (const piece of run(chunk, zstd.EndDirective.continue)) yield piece;
  }
  for (const piece of run(Buffer.alloc(0), zstd.EndDirective.end)) yield piece;
}
