import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';

/**
 * A layer tar whose /var/lib/dpkg/status is `size` bytes: one real stanza whose Description runs on for the
 * rest (a hostile or broken database). Streamed to disk, never held in memory.
 */
export async function writeBigStatusLayer(file: string, size: number): Promise<void> {
  const head = Buffer.from(
    'Package: huge\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\nDescription: big\n',
  );
  const line = Buffer.from(` ${'x'.repeat(1022)}\n`);
  const packer = pack();
  const writing = pipeline(packer, createWriteStream(file));
  const entry = packer.entry({ name: 'var/lib/dpkg/status', size, mtime: new Date(0), mode: 0o644 });
  let left = size;
  const write = async (chunk: Buffer) => {
    if (!entry.write(chunk)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
  };
  await write(head);
  left -= head.length;
  while (left > 0) {
    const chunk = left >= line.length ? line : Buffer.alloc(left, 0x0a);
    await write(chunk);
    left -= chunk.length;
  }
  entry.end(() => undefined);
  packer.finalize();
  await writing;
}
