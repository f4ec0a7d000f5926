import { type ArchiveContents, type ArchiveEntryInfo, isArchiveError, readArchive } from '@isar/archive';
import { describeError, isAbort, LoaderError } from '../errors.js';
import { ensureZstdSupport, isZstdFile } from './zstd-support.js';

export interface ReadVerifiedOptions {
  signal?: AbortSignal;
  /** A sink for entries as they stream past (the registry engine stages blobs this way: one pass, not two). */
  onEntry?: (
    entry: ArchiveEntryInfo,
  ) => NodeJS.WritableStream | undefined | Promise<NodeJS.WritableStream | undefined>;
}

/** Archive errors that say "this machine cannot read it", not "the archive is bad". */
const UNREADABLE = new Set(['IO_ERROR', 'ZSTD_UNAVAILABLE']);

/**
 * Reads an archive end to end with @isar/archive's reader, which checks every blob digest and every
 * docker-archive layer's diff_id, and refuses hostile input (unsafe names, links leaving the archive, duplicate
 * entries, sizes over the limits, truncated zstd). Nothing is loaded anywhere before this has passed.
 */
export async function readVerifiedArchive(
  path: string,
  options: ReadVerifiedOptions = {},
): Promise<ArchiveContents> {
  const { signal } = options;
  if (await isZstdFile(path)) await ensureZstdSupport();
  try {
    const contents = await readArchive(path, {
      signal,
      ...(options.onEntry ? { onEntry: options.onEntry } : {}),
    });
    if (contents.images.length === 0) {
      throw new LoaderError('ARCHIVE_INVALID', `${path} holds no image`);
    }
    return contents;
  } catch (error) {
    if (isAbort(error, signal) || error instanceof LoaderError) throw error;
    const missing = (error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT';
    if (missing) throw new LoaderError('ARCHIVE_MISSING', `archive ${path} does not exist`, { cause: error });
    const code =
      isArchiveError(error) && UNREADABLE.has(error.code) ? 'ARCHIVE_UNREADABLE' : 'ARCHIVE_INVALID';
    const what = code === 'ARCHIVE_INVALID' ? 'refused, it failed verification' : 'cannot be read';
    throw new LoaderError(code, `archive ${path} ${what}: ${describeError(error)}`, { cause: error });
  }
}
