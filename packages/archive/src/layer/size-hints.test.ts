import { execFileSync } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tmpDir } from '@isar/testkit';
import { describe, expect, it } from 'vitest';
import { gzipHeaderLength, readGzipLayout } from './gzip-member.js';
import { zstdFrameContentSize } from './zstd-frame.js';

describe('gzip header and trailer', () => {
  it('finds the deflate body after optional name, comment and extra fields', async () => {
    const plain = gzipSync(Buffer.from('hello world'));
    expect(gzipHeaderLength(plain)).toBe(10);
    // FEXTRA (4 bytes) + FNAME + FCOMMENT + FHCRC, built by hand around the same deflate body.
    const header = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]),
      Buffer.from([4, 0, 1, 2, 3, 4]),
      Buffer.from('layer.tar\0comment\0'),
      Buffer.from([0xaa, 0xbb]),
    ]);
    expect(gzipHeaderLength(Buffer.concat([header, plain.subarray(10)]))).toBe(header.length);
    expect(gzipHeaderLength(Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 0x41]))).toBeUndefined();
    expect(gzipHeaderLength(Buffer.from('not gzip at all'))).toBeUndefined();
  });

  it('reads ISIZE from the last four bytes of a file', async () => {
    const dir = await tmpDir('archive-gzip-');
    try {
      const data = Buffer.alloc(123_456, 7);
      const file = join(dir.path, 'x.gz');
      await writeFile(file, execFileSync('gzip', ['-c', '-n'], { input: data }));
      const handle = await open(file);
      const { size } = await handle.stat();
      expect(await readGzipLayout(handle, size)).toEqual({
        bodyStart: 10,
        bodyEnd: size - 8,
        isize: 123_456,
      });
      await handle.close();
    } finally {
      await dir.cleanup();
    }
  });
});

describe('zstd frame content size', () => {
  it('reads the size the zstd command declares for a file', async () => {
    const dir = await tmpDir('archive-zstd-');
    try {
      for (const size of [5, 300, 70_000, 5_000_000]) {
        const input = join(dir.path, `in-${size}`);
        await writeFile(input, Buffer.alloc(size, 1));
        const file = execFileSync('zstd', ['-q', '-c', input]);
        expect(zstdFrameContentSize(file.subarray(0, 18))).toBe(size);
      }
    } finally {
      await dir.cleanup();
    }
  });

  it('is unknown when the frame does not declare it (streamed input)', () => {
    const file = execFileSync('bash', ['-c', 'head -c 100000 /dev/zero | zstd -q -c --no-content-size']);
    expect(zstdFrameContentSize(file.subarray(0, 18))).toBeUndefined();
    expect(zstdFrameContentSize(Buffer.from('abcdefgh'))).toBeUndefined();
  });
});
