import type { VerifyReport } from '@isar/archive';

export type { VerifyReport } from '@isar/archive';

/** Options of {@link verifyFetchedArchive}. */
export interface VerifyOptions {
  signal?: AbortSignal;
  /** Also inflate the compressed layers of an `oci` archive to check their diff_ids (slower). */
  deep?: boolean;
}

/**
 * Checks a fetched archive end to end (zstd stream, tar structure, every blob digest, every docker-archive
 * layer's diff_id) and reports what it holds; throws `@isar/archive`'s `ArchiveError` on any problem. What
 * `isar-fetch verify` and the device's loader run before trusting a file.
 */
export async function verifyFetchedArchive(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { verifyArchive } = await import('@isar/archive');
  return verifyArchive(file, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deep ? { deep: true } : {}),
  });
}
