import { ArchiveError } from '../errors.js';
import { isRecord } from '../internal/json.js';
import { Verifier } from '../internal/verifier.js';
import type { ArchiveContents, ArchiveImage } from './archive-contents.js';
import { openArchiveInput } from './archive-input.js';
import { readDockerImages } from './docker-manifest-reader.js';
import { EntryTable } from './entry-table.js';
import { defaultReadLimits, type ReadLimits } from './limits.js';
import { readOciImages } from './oci-index-reader.js';
import { type ArchiveEntryInfo, walkTar } from './tar-walk.js';

/**
 * Options of {@link readArchive} and {@link verifyArchive}: limits, deep layer checks, an entry sink, abort
 * signal.
 */
export interface ReadArchiveOptions {
  signal?: AbortSignal;
  limits?: Partial<ReadLimits>;
  /** Also decompress compressed OCI blobs to check their diff_ids (docker-archive layers always are). */
  deep?: boolean;
  /** A sink for an entry's bytes as they stream past (e.g. to push blobs somewhere), or nothing. */
  onEntry?: (
    entry: ArchiveEntryInfo,
  ) => NodeJS.WritableStream | undefined | Promise<NodeJS.WritableStream | undefined>;
}

/**
 * Reads an archive (docker-archive, the oci format, or an OCI layout tar; plain, zstd or gzip) in one pass:
 * every entry is hashed as it streams, small JSON documents are kept, and when the tar ends every reference is
 * checked: blob names against their hashes, descriptors against sizes, configs against names, layers against
 * diff_ids. Hostile input is refused with an {@link ArchiveError} (see README). Layers are never held in memory.
 */
export async function readArchive(
  input: string | NodeJS.ReadableStream,
  options: ReadArchiveOptions = {},
): Promise<ArchiveContents> {
  const limits: ReadLimits = { ...defaultReadLimits, ...options.limits };
  const source = await openArchiveInput(input, options.signal);
  const tarCounter = new Verifier({ what: 'tar', sizeOnly: true });
  const entries = await walkTar([...source.stages, tarCounter], {
    limits,
    signal: options.signal,
    inspectCompressed: (name) => options.deep === true || !name.startsWith('blobs/'),
    onEntry: options.onEntry,
  });
  const archive = new EntryTable(entries);
  archive.checkBlobNames();

  const hasIndex = entries.has('index.json');
  const hasManifest = entries.has('manifest.json');
  if (!hasIndex && !hasManifest) {
    throw new ArchiveError(
      'INVALID_ARCHIVE',
      'archive holds neither manifest.json nor index.json: not an image archive',
    );
  }
  const ociImages = hasIndex ? readOciImages(archive, options.deep === true) : { images: [], top: [] };
  const images: ArchiveImage[] = hasManifest ? readDockerImages(archive, ociImages.images) : [];
  for (const image of ociImages.images) if (!image.inDockerManifest) images.push(image);

  let repositories: ArchiveContents['repositories'];
  if (entries.has('repositories')) {
    const parsed = archive.json<unknown>('repositories', 'repositories');
    if (!isRecord(parsed)) throw new ArchiveError('INVALID_ARCHIVE', 'repositories is not a JSON object');
    repositories = parsed as ArchiveContents['repositories'];
  }
  return {
    format: hasIndex && hasManifest ? 'oci' : hasManifest ? 'docker-archive' : 'oci-layout',
    compression: source.compression,
    images,
    ...(hasIndex ? { ociIndex: ociImages.top } : {}),
    ...(repositories ? { repositories } : {}),
    entries: entries.size,
    tarBytes: tarCounter.bytes,
    archiveBytes: source.archiveBytes(),
  };
}
