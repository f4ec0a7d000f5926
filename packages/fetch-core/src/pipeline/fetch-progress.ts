import type { Digest } from '@isar/oci-spec';
import type { LockWait } from '../store/file-lock.js';

/**
 * What a fetch reports while it runs, in order: `resolved`, then `image`, then per layer `layer-cached` or
 * `layer-progress`... `layer-downloaded` (layers in parallel), `write-layer` as the archive takes each layer,
 * and `published`. A cache hit reports only `hit`. Sizes are bytes of the blobs as stored (compressed).
 */
export type FetchProgress =
  /** An existing archive is valid: nothing is fetched. */
  | { type: 'hit'; path: string }
  /**
   * The lock of this archive (or of a blob) has been held by someone else for a few seconds; we wait for it.
   * `path` is the lock file, `target` what it guards; `owner` or `foreign` says who holds it (see LockWait).
   */
  | ({ type: 'waiting'; what: 'archive' | 'blob'; target: string } & LockWait)
  /** The URL has no digest and the policy is `0`: upstream's warning. */
  | { type: 'warning'; message: string; srcUriLine: string }
  | { type: 'resolved'; reference: string; indexDigest: Digest }
  /** The platform image: its layers, in manifest order (each unique digest once). */
  | {
      type: 'image';
      manifestDigest: Digest;
      platform: string;
      layers: ReadonlyArray<{ digest: Digest; size: number }>;
    }
  | { type: 'layer-cached'; digest: Digest; size: number }
  /** Bytes of the blob present so far (including a resumed prefix), of `size`. */
  | { type: 'layer-progress'; digest: Digest; bytes: number; size: number }
  | { type: 'layer-downloaded'; digest: Digest; size: number; bytesDownloaded: number; resumedFrom: number }
  /** The archive writer started (`done: false`) or finished a layer. */
  | { type: 'write-layer'; digest: Digest; index: number; done: boolean }
  | { type: 'published'; path: string; bytes: number }
  /** The archive is fine but its SBOM (`path`) could not be made: the fetch still succeeds. */
  | { type: 'sbom-failed'; path: string; reason: string }
  /** Cached blobs that failed re-verification were dropped; they are downloaded again (once). */
  | { type: 'cache-evicted'; digests: readonly Digest[]; reason: string };
