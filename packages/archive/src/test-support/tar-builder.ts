import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Header, pack } from 'tar-stream';

/** One entry of a hand-built (possibly hostile) tar. */
export interface RawEntry {
  name: string;
  type?: Header['type'];
  content?: string | Buffer;
  linkname?: string;
}

/** Writes the entries as a tar file, exactly as given: no name checks, duplicates allowed. */
export async function writeRawTar(file: string, entries: readonly RawEntry[]): Promise<void> {
  const packer = pack();
  const writing = pipeline(packer as unknown as NodeJS.ReadableStream, createWriteStream(file));
  for (const entry of entries) {
    const body = entry.content === undefined ? undefined : Buffer.from(entry.content);
    const header = {
      name: entry.name,
      type: entry.type ?? 'file',
      mtime: new Date(0),
      mode: 0o644,
      ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body) packer.entry(header, body, done);
      else packer.entry(header, done);
    });
  }
  packer.finalize();
  await writing;
}
