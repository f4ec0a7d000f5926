import { PassThrough, type Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { ArchiveError } from '../errors.js';
import { pipe } from '../internal/pipeline.js';
import { openArchiveInput } from './archive-input.js';
import { normalizeEntryName } from './entry-name.js';
import { defaultReadLimits } from './limits.js';

/**
 * Streams one file entry of an archive (a second pass, after `readArchive` told which entry holds a layer or
 * blob): the archive is read (and decompressed) up to that entry, the entry's bytes are passed on, and reading
 * stops there. Fails with `MISSING_ENTRY` when the archive ends without it. Verify the archive first: this
 * pass checks names only, not digests.
 */
export async function openArchiveEntry(
  input: string,
  name: string,
  options: { signal?: AbortSignal } = {},
): Promise<Readable> {
  const wanted = normalizeEntryName(name, defaultReadLimits.maxNameLength);
  const source = await openArchiveInput(input, options.signal);
  const output = new PassThrough({ highWaterMark: 1 << 20 });
  const extractor = extract();
  let found = false;
  extractor.on('entry', (header, stream, next) => {
    let canonical: string | undefined;
    try {
      canonical = normalizeEntryName(header.name, defaultReadLimits.maxNameLength);
    } catch (error) {
      stream.resume();
      next(error as Error);
      return;
    }
    if (found || canonical !== wanted || (header.type !== 'file' && header.type !== 'contiguous-file')) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    found = true;
    pipe([
      stream as unknown as NodeJS.ReadableStream,
      async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks)
          if (!output.write(chunk)) await new Promise((resolve) => output.once('drain', resolve));
        output.end();
      },
    ]).then(
      // Done: stop reading the rest of the archive.
      () => extractor.destroy(),
      (error: unknown) => output.destroy(error as Error),
    );
  });
  pipe([...source.stages, extractor as unknown as NodeJS.WritableStream], options.signal).then(
    () => {
      if (!found)
        output.destroy(new ArchiveError('MISSING_ENTRY', `archive ${input} has no entry "${wanted}"`));
    },
    (error: unknown) => {
      if (!output.writableFinished) output.destroy(error as Error);
    },
  );
  return output;
}
