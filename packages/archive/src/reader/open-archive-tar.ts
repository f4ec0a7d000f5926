import { PassThrough, type Readable } from 'node:stream';
import { pipe } from '../internal/pipeline.js';
import { type ArchiveCompressionKind, openArchiveInput } from './archive-input.js';

/**
 * The plain tar inside an archive (`.tar.zst`, `.tar.gz` or `.tar`, told from its first bytes), as one stream:
 * what a loader pipes into `docker load` / `podman load`. A truncated or corrupt archive fails the stream.
 */
export async function openArchiveTar(
  input: string | NodeJS.ReadableStream,
  options: { signal?: AbortSignal } = {},
): Promise<{ compression: ArchiveCompressionKind; tar: Readable }> {
  const source = await openArchiveInput(input, options.signal);
  const tar = new PassThrough({ highWaterMark: 1 << 20 });
  pipe([...source.stages, tar], options.signal).catch((error: unknown) => tar.destroy(error as Error));
  return { compression: source.compression, tar };
}
