import { Duplex } from 'node:stream';
import { ArchiveError } from '../errors.js';
import { addonLoadError, loadZstdAddon, type ZstdBinding } from './zstd-addon.js';
import { runZstdCommand } from './zstd-command.js';

/** Options of {@link createZstdDecompressor}. */
export interface ZstdDecompressorOptions {
  /**
   * Largest window accepted, as a power of two (default 27 = 128 MiB, zstd's own default limit), which
   * bounds the memory a hostile frame can demand.
   */
  windowLogMax?: number;
  /** `addon` (default when it loads) or `command` (`zstd -dc`). */
  engine?: 'addon' | 'command';
  signal?: AbortSignal;
}

/** Output buffer per call; big enough to keep native calls few, small enough to keep memory flat. */
const outSize = 256 << 10;

/**
 * A streaming zstd decompressor (a Duplex) that honours back-pressure however well the input compresses,
 * fails with `TRUNCATED` when the input stops inside a frame and `CORRUPT_DATA` on corrupt data.
 * Uses zstd-napi when it loads, else the `zstd` command (`zstd -dc`).
 */
export async function createZstdDecompressor(options: ZstdDecompressorOptions = {}): Promise<Duplex> {
  const windowLogMax = options.windowLogMax ?? 27;
  const binding = options.engine === 'command' ? undefined : await loadZstdAddon();
  if (binding)
    return Duplex.from((source: AsyncIterable<Buffer>) => decompressWithAddon(binding, source, windowLogMax));
  if (options.engine === 'addon') {
    throw new ArchiveError('ZSTD_UNAVAILABLE', 'the zstd-napi addon cannot be loaded', {
      cause: addonLoadError(),
    });
  }
  const memory = `--memory=${2 ** Math.min(windowLogMax, 31) / 2 ** 20}MB`;
  return Duplex.from((source: AsyncIterable<Buffer>) =>
    runZstdCommand(['-q', '-d', '-c', memory], source, options.signal),
  );
}

async function* decompressWithAddon(
  zstd: ZstdBinding,
  source: AsyncIterable<Buffer>,
  windowLogMax: number,
): AsyncGenerator<Buffer> {
  const context = new zstd.DCtx();
  context.setParameter(zstd.DParameter.windowLogMax, windowLogMax);
  // -1: nothing seen yet; 0: at a frame boundary; > 0: inside a frame.
  let state = -1;
  const step = (input: Buffer): { output: Buffer | undefined; rest: Buffer; full: boolean } => {
    const out = Buffer.allocUnsafe(outSize);
    let result: [number, number, number];
    try {
      result = context.decompressStream(out, input);
    } catch (error) {
      throw new ArchiveError('CORRUPT_DATA', `corrupt zstd data: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const [hint, written, consumed] = result;
    // A call that did nothing reports "ready for the next frame header" (a non-zero hint): not a state change.
    if (written > 0 || consumed > 0) state = hint;
    const output =
      written === 0
        ? undefined
        : written < outSize / 4
          ? Buffer.from(out.subarray(0, written))
          : out.subarray(0, written);
    return { output, rest: input.subarray(consumed), full: written === outSize };
  };
  for await (const chunk of source) {
    let rest = chunk;
    for (;;) {
      const result = step(rest);
      rest = result.rest;
      // Yielding suspends until the consumer wants more: a zstd bomb cannot fill memory.
      if (result.output) yield result.output;
      if (rest.length === 0 && !result.full) break;
    }
  }
  // The decoder may still hold the end of a frame (last block, checksum) in its own buffer.
  while (state > 0) {
    const result = step(Buffer.alloc(0));
    if (result.output) yield result.output;
    else break;
  }
  if (state !== 0) {
    throw new ArchiveError(
      'TRUNCATED',
      state < 0 ? 'empty zstd stream' : 'zstd stream ends inside a frame (truncated)',
    );
  }
}
