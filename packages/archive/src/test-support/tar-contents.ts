import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';

/** What a test sees of one tar entry: header fields and the sha256 (plus bytes for small entries). */
export interface TarEntrySummary {
  name: string;
  type: string;
  size: number;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  linkname?: string;
  sha256: string;
  /** Content of entries up to 64 KiB. */
  text?: string;
}

/** Lists a tar file (plain) with hashes, for comparing archives in tests. */
export async function readTarSummary(file: string): Promise<TarEntrySummary[]> {
  const entries: TarEntrySummary[] = [];
  const extractor = extract();
  extractor.on('entry', (header, stream, next) => {
    const hash = createHash('sha256');
    const small: Buffer[] = [];
    let length = 0;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      hash.update(chunk);
      length += chunk.length;
      if (length <= 65536) small.push(chunk);
    });
    stream.on('end', () => {
      entries.push({
        name: header.name,
        type: header.type ?? 'file',
        size: header.size ?? 0,
        mode: header.mode ?? 0,
        mtime: header.mtime?.getTime() ?? -1,
        uid: header.uid ?? -1,
        gid: header.gid ?? -1,
        ...(header.linkname ? { linkname: header.linkname } : {}),
        sha256: hash.digest('hex'),
        ...(length <= 65536 ? { text: Buffer.concat(small).toString('utf-8') } : {}),
      });
      next();
    });
  });
  await pipeline(createReadStream(file), extractor);
  return entries;
}
