import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isArchiveError } from '../errors.js';
import { pipe } from '../internal/pipeline.js';
import { createZstdCompressor } from './zstd-compressor.js';
import { createZstdDecompressor } from './zstd-decompressor.js';

/** Compressible but not trivial: text-like lines with random words. */
function sample(size: number): Buffer {
  const words = Array.from({ length: 500 }, () => randomBytes(4).toString('hex'));
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `${i} ${words[i % 500]} ${words[(i * 7) % 500]} value=${i % 97}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

async function collect(source: NodeJS.ReadableStream, ...stages: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipe([
    source,
    ...stages,
    async (input: AsyncIterable<Buffer>) => {
      for await (const chunk of input) chunks.push(chunk);
    },
  ]);
  return Buffer.concat(chunks);
}

const chunked = (data: Buffer, size = 100_000) =>
  Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
    })(),
  );

describe('zstd', () => {
  const data = sample(6 << 20);

  it('compresses identically whatever the thread count, and the zstd command reads it', async () => {
    const one = await collect(chunked(data), await createZstdCompressor({ threads: 1 }));
    const two = await collect(chunked(data), await createZstdCompressor({ threads: 2 }));
    const four = await collect(chunked(data, 33_333), await createZstdCompressor({ threads: 4 }));
    expect(two.equals(one)).toBe(true);
    expect(four.equals(one)).toBe(true);
    expect(one.length).toBeLessThan(data.length / 2);
    const viaCommand = execFileSync('zstd', ['-dc'], { input: one, maxBuffer: 64 << 20 });
    expect(viaCommand.equals(data)).toBe(true);
  });

  it('decompresses with the addon and with the zstd command', async () => {
    const compressed = execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 64 << 20 });
    const viaAddon = await collect(
      chunked(compressed, 4096),
      await createZstdDecompressor({ engine: 'addon' }),
    );
    const viaCommand = await collect(
      chunked(compressed),
      await createZstdDecompressor({ engine: 'command' }),
    );
    expect(viaAddon.equals(data)).toBe(true);
    expect(viaCommand.equals(data)).toBe(true);
  });

  it('compresses through the zstd command when asked', async () => {
    const compressed = await collect(
      chunked(data),
      await createZstdCompressor({ engine: 'command', threads: 2 }),
    );
    const back = await collect(chunked(compressed), await createZstdDecompressor());
    expect(back.equals(data)).toBe(true);
  });

  for (const engine of ['addon', 'command'] as const) {
    it(`reports a truncated stream (${engine})`, async () => {
      const compressed = execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 64 << 20 });
      const cut = compressed.subarray(0, Math.floor(compressed.length / 2));
      const error = await collect(chunked(cut), await createZstdDecompressor({ engine })).catch(
        (e: unknown) => e,
      );
      expect(isArchiveError(error, 'TRUNCATED')).toBe(true);
    });

    it(`reports corrupt data (${engine})`, async () => {
      const compressed = Buffer.from(
        execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 64 << 20 }),
      );
      for (let i = 200; i < compressed.length - 100; i += 997) compressed[i] = (compressed[i] ?? 0) ^ 0x5a;
      const error = await collect(chunked(compressed), await createZstdDecompressor({ engine })).catch(
        (e: unknown) => e,
      );
      expect(isArchiveError(error)).toBe(true);
      expect(['CORRUPT_DATA', 'TRUNCATED']).toContain((error as { code: string }).code);
    });
  }

  it('honours back-pressure on a zstd bomb (output pulled slowly stays bounded)', async () => {
    // 256 MiB of zeros compress to a few KiB; a decompressor that ignores back-pressure would buffer it all.
    const bomb = await collect(
      Readable.from(
        (function* () {
          const zeros = Buffer.alloc(1 << 20);
          for (let i = 0; i < 256; i++) yield zeros;
        })(),
      ),
      await createZstdCompressor({ threads: 1 }),
    );
    expect(bomb.length).toBeLessThan(100_000);
    const decompressor = await createZstdDecompressor({ engine: 'addon' });
    Readable.from([bomb]).pipe(decompressor);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nobody reads: only the readable buffer (a few hundred KiB) may have been produced.
    expect(decompressor.readableLength).toBeLessThan(4 << 20);
    let total = 0;
    for await (const chunk of decompressor) total += (chunk as Buffer).length;
    expect(total).toBe(256 << 20);
  });

  it('falls back to the zstd command when the addon is unavailable, and says so when neither works', async () => {
    const compressed = execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 64 << 20 });
    const saved = { ...process.env };
    try {
      process.env.ISAR_ZSTD_NO_ADDON = '1';
      const back = await collect(chunked(compressed), await createZstdDecompressor());
      expect(back.equals(data)).toBe(true);
      process.env.ISAR_ZSTD_COMMAND = '/nonexistent/zstd';
      const error = await collect(chunked(compressed), await createZstdDecompressor()).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'ArchiveError', code: 'ZSTD_UNAVAILABLE' });
      await expect(createZstdDecompressor({ engine: 'addon' })).rejects.toMatchObject({
        code: 'ZSTD_UNAVAILABLE',
      });
    } finally {
      process.env = saved;
    }
  });

  it('refuses bad levels and thread counts', async () => {
    await expect(createZstdCompressor({ level: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(createZstdCompressor({ threads: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
