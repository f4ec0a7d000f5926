import { writeFile } from 'node:fs/promises';
import { pack } from 'tar-stream';

/** One entry of a small test layer. */
export type TarEntry =
  | { name: string; type?: 'file'; content: string | Buffer }
  | { name: string; type: 'directory' }
  | { name: string; type: 'symlink'; target: string }
  | { name: string; type: 'link'; target: string };

/** Writes a small layer tar (fixed times and owners) to `file`. */
export async function writeTar(file: string, entries: readonly TarEntry[]): Promise<void> {
  await writeFile(file, await tarBytes(entries));
}

/** A small layer tar (fixed times and owners), as tar-stream packs it (ustar, pax for long names). */
export async function tarBytes(entries: readonly TarEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (const entry of entries) {
    const common = { name: entry.name, mtime: new Date(0), uid: 0, gid: 0 };
    await new Promise<void>((resolve, reject) => {
      const callback = (error?: Error | null) => (error ? reject(error) : resolve());
      if (entry.type === 'directory') packer.entry({ ...common, type: 'directory', mode: 0o755 }, callback);
      else if (entry.type === 'symlink' || entry.type === 'link')
        packer.entry({ ...common, type: entry.type, linkname: entry.target, mode: 0o777 }, callback);
      else packer.entry({ ...common, mode: 0o644 }, Buffer.from(entry.content), callback);
    });
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}
