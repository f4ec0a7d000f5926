import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Descriptor, type Digest, digestAlgorithm, digestHex, parseDigest } from '@isar/oci-spec';
import { renameDurably } from './atomic-file.js';
import { acquireLock, type LockOptions } from './file-lock.js';

/** Fills `partialPath` with the verified blob, resuming whatever an earlier, interrupted run left there. */
export type BlobDownloader = (partialPath: string, signal: AbortSignal | undefined) => Promise<void>;

export interface BlobFill {
  path: string;
  /** False when the blob was already in the cache and nothing was downloaded. */
  downloaded: boolean;
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

  /** Returns the cached blob, downloading it (under the blob's lock) when missing. */
  async fill(descriptor: Descriptor, download: BlobDownloader, options: LockOptions = {}): Promise<BlobFill> {
    const cached = await this.lookup(descriptor);
    if (cached) return { path: cached, downloaded: false };
    const path = this.pathOf(descriptor.digest);
    await mkdir(dirname(path), { recursive: true });
    const lock = await acquireLock(`${path}.lock`, options);
    try {
      // Another process may have finished it while we waited for the lock.
      const filled = await this.lookup(descriptor);
      if (filled) return { path: filled, downloaded: false };
      const partial = this.partialPathOf(descriptor.digest);
      await download(partial, options.signal);
      await renameDurably(partial, path);
      return { path, downloaded: true };
    } finally {
      await lock.release();
    }
  }
}
