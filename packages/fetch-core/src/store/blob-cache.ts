import { stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Descriptor, type Digest, digestAlgorithm, digestHex, parseDigest } from '@isar/oci-spec';
import { FetchCoreError } from '../errors.js';
import { acquireLock, clearStaleLock, type LockOptions } from './file-lock.js';
import { blobLockPath } from './lock-paths.js';
import { makeDirectory } from './make-directory.js';

/**
 * Puts the verified blob at `path`, going through `<path>.partial` (see {@link BlobCache.partialPathOf}) and
 * resuming whatever an earlier, interrupted run left there; `path` must only ever appear complete (rename).
 * `@isar/oci-registry`'s `downloadBlobToFile` does exactly this. Resolves to what it reports back.
 */
export type BlobDownloader<T> = (path: string, signal: AbortSignal | undefined) => Promise<T>;

/** A blob in the cache: its file, and what the downloader returned if it had to fetch it. */
export interface BlobFill<T> {
  path: string;
  /** What the downloader returned; undefined when the blob was already in the cache. */
  download: T | undefined;
}

/**
 * A content-addressed store of verified blobs (`<root>/sha256/<hex>`), shared by every tag, recipe and format
 * in one DL_DIR. A blob appears under its digest only after it was verified; a download in progress lives in
 * `<hex>.partial` (kept across runs for resume) guarded by `<hex>.lock`, so two processes never write one blob.
 */
export class BlobCache {
  constructor(readonly root: string) {}

  pathOf(digest: Digest): string {
    // parseDigest guarantees `<sha256|sha512>:<lowercase hex>`: no separators can reach the path.
    const checked = parseDigest(digest);
    return join(this.root, digestAlgorithm(checked), digestHex(checked));
  }

  partialPathOf(digest: Digest): string {
    return `${this.pathOf(digest)}.partial`;
  }

  /** The cached file for `descriptor`, when present with the expected size. */
  async lookup(descriptor: Descriptor): Promise<string | undefined> {
    const path = this.pathOf(descriptor.digest);
    try {
      const info = await stat(path);
      return info.isFile() && info.size === descriptor.size ? path : undefined;
    } catch {
      return undefined;
    }
  }

  /** Drops a cached blob found to be damaged (its content does not match its digest); a missing one is fine. */
  async evict(digest: Digest): Promise<void> {
    await unlink(this.pathOf(digest)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /**
   * Returns the cached blob, downloading it (under the blob's lock `<hex>.lock`) when missing. The downloader
   * must leave a complete file of the descriptor's size at the path it is given (it verifies the digest).
   */
  async fill<T>(
    descriptor: Descriptor,
    download: BlobDownloader<T>,
    options: LockOptions = {},
  ): Promise<BlobFill<T>> {
    const path = this.pathOf(descriptor.digest);
    const cached = await this.lookup(descriptor);
    if (cached) {
      await clearStaleLock(blobLockPath(path));
      return { path: cached, download: undefined };
    }
    await makeDirectory(dirname(path));
    const lock = await acquireLock(blobLockPath(path), options);
    try {
      // Another process may have finished it while we waited for the lock.
      const filled = await this.lookup(descriptor);
      if (filled) return { path: filled, download: undefined };
      const result = await download(path, options.signal);
      if ((await this.lookup(descriptor)) === undefined) {
        throw new FetchCoreError(
          'BLOB_CACHE',
          `blob ${descriptor.digest}: the download left no file of ${descriptor.size} bytes at ${path}`,
        );
      }
      return { path, download: result };
    } finally {
      await lock.release();
    }
  }
}
