import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRegistryClient, formatReference, type RegistryClient } from '@isar/oci-registry';
import { type Digest, formatPlatform } from '@isar/oci-spec';
import { debianArchToPlatform } from '../arch/debian-arch.js';
import { CACHE_SUBDIR, localFile, resolveInside } from '../cache/local-file.js';
import { FetchCoreError } from '../errors.js';
import { DEFAULT_CHECKSUM_POLICY } from '../policy/checksum-policy.js';
import { removeStaleTempFiles } from '../store/atomic-file.js';
import { BlobCache } from '../store/blob-cache.js';
import { acquireLock } from '../store/file-lock.js';
import { archiveLockPath } from '../store/lock-paths.js';
import { makeDirectory } from '../store/make-directory.js';
import { type DockerUrl, parseDockerUrl } from '../url/docker-url.js';
import { formatDockerUrl } from '../url/format-docker-url.js';
import { redactDockerUrl } from '../url/redact.js';
import { downloadAndWrite, isDamagedContent } from './download-and-write.js';
import { ARCHIVE_FORMATS, type ArchiveFormat, type FetchOptions, type FetchResult } from './fetch-options.js';
import type { FetchProgress } from './fetch-progress.js';
import type { LayerDownloadTotals } from './layer-downloads.js';
import { ensureSbom, publishSbom, sbomPathOf } from './publish-sbom.js';
import { type PublishedRecord, readValidRecord, writeRecord } from './published-record.js';
import { resolveTarget } from './resolve-target.js';
import { zstdSettings } from './write-archive.js';

/** The blob cache of a DL_DIR when none is configured: `<dlDir>/container-images/blobs/sha256/<hex>`. */
export function defaultBlobCacheDir(dlDir: string): string {
  return join(dlDir, CACHE_SUBDIR, 'blobs');
}

interface Plan {
  url: DockerUrl;
  path: string;
  localFile: string;
  format: ArchiveFormat;
  started: number;
}

/**
 * Fetches the image of a `docker://` URL for a Debian architecture into Isar's download cache, as Isar's
 * container fetcher does, and returns what it did:
 * 1. A digest-pinned URL whose archive is already there (and still matches its record, see
 *    `published-record.ts`) is a hit: no network, no lock, no reading of the archive.
 * 2. Under the lock `<archive>.isar-fetch.lock` (two isar-fetch commands or two bitbake instances sharing a
 *    DL_DIR on one URL: one fetches, the others wait and then find the hit; not bitbake's own `<archive>.lock`,
 *    which bitbake holds around the call), the tag is resolved by HEAD and the checksum policy applied; the content is pulled by
 *    digest, the platform picked from the index.
 * 3. Layers download in parallel into the blob cache (resuming partial files of interrupted runs) while the
 *    archive writer takes them in manifest order, into a temp file beside the archive that is fsynced and
 *    renamed into place: the archive path holds the old file or the complete new one, never a part.
 */
export async function fetchImage(url: string | DockerUrl, options: FetchOptions): Promise<FetchResult> {
  const started = performance.now();
  const parsed = typeof url === 'string' ? parseDockerUrl(url) : url;
  const format = options.format ?? 'docker-archive';
  if (!ARCHIVE_FORMATS.includes(format)) {
    throw new FetchCoreError(
      'INVALID_OPTION',
      `unknown archive format "${format}" (expected ${ARCHIVE_FORMATS.join(' or ')})`,
    );
  }
  if (!options.dlDir) throw new FetchCoreError('INVALID_OPTION', 'no download directory (DL_DIR) given');
  const zstd = zstdSettings(options.zstd);
  const relative = localFile(parsed, options.arch);
  const plan: Plan = {
    url: parsed,
    path: resolveInside(options.dlDir, relative, parsed.url),
    localFile: relative,
    format,
    started,
  };

  if (parsed.digest !== undefined) {
    const hit = await pinnedHit(plan, parsed.digest);
    if (hit) return reportHit(plan, hit, options, false);
  }
  if (options.offline) return reportHit(plan, await offlineHit(plan), options, false);

  const client = options.client ?? createRegistryClient(options.registry);
  try {
    await makeDirectory(dirname(plan.path));
    const lock = await acquireLock(archiveLockPath(plan.path), {
      ...(options.signal ? { signal: options.signal } : {}),
      onWait: (wait) =>
        options.onProgress?.({ type: 'waiting', what: 'archive', target: plan.path, ...wait }),
    });
    try {
      return await fetchLocked(plan, client, zstd, options);
    } finally {
      await lock.release();
    }
  } finally {
    if (!options.client) await client.close();
  }
}

async function fetchLocked(
  plan: Plan,
  client: RegistryClient,
  zstd: ReturnType<typeof zstdSettings>,
  options: FetchOptions,
): Promise<FetchResult> {
  const { url, format } = plan;
  const { signal, onProgress } = options;
  // Another process may have published it while we waited for the lock.
  if (url.digest !== undefined) {
    const hit = await pinnedHit(plan, url.digest);
    if (hit) return reportHit(plan, hit, options, true);
  }
  const target = await resolveTarget(url, client, options.policy ?? DEFAULT_CHECKSUM_POLICY, signal);
  const { verdict } = target;
  const warning = verdict.kind === 'warn' ? verdict.message : undefined;
  if (verdict.kind === 'warn') {
    onProgress?.({ type: 'warning', message: verdict.message, srcUriLine: verdict.srcUriLine });
  }
  const pinning =
    verdict.srcUriLine !== undefined && url.digest === undefined ? verdict.srcUriLine : undefined;
  const extras = { ...(warning ? { warning } : {}), ...(pinning ? { srcUriLine: pinning } : {}) };
  if (url.digest === undefined) {
    // A tag: the archive there is current when it was made from the digest the tag points at now.
    const record = await readValidRecord(plan.path);
    if (record && record.format === format && record.indexDigest === target.indexDigest) {
      return { ...(await reportHit(plan, record, options, true)), ...extras };
    }
  }
  // A digest without `;tag=`: the default tag only names the image, it was not asked for.
  const { tag: _tag, ...untagged } = target.reference;
  const reference = formatReference(
    url.tagExplicit || url.digest === undefined ? target.reference : untagged,
  );
  onProgress?.({ type: 'resolved', reference, indexDigest: target.indexDigest });

  const image = await client.getImage(target.reference, {
    platform: debianArchToPlatform(options.arch),
    ...(signal ? { signal } : {}),
  });
  const platform = formatPlatform(image.platform);
  const seen = new Set<Digest>();
  const layers = image.manifest.layers.filter((l) => !seen.has(l.digest) && seen.add(l.digest));
  onProgress?.({
    type: 'image',
    manifestDigest: image.descriptor.digest,
    platform,
    layers: layers.map((l) => ({ digest: l.digest, size: l.size })),
  });

  // We hold the lock: temp files of this archive are from writers that were killed.
  await removeStaleTempFiles(plan.path);
  const cacheDir = options.blobCache ?? defaultBlobCacheDir(options.dlDir);
  const cache = cacheDir === false ? undefined : new BlobCache(cacheDir);
  // The SBOM is a by-product of writing a docker-archive: its layers are scanned as they go into it. The oci
  // format keeps layers compressed: there it costs a second read, so only when asked for.
  const wantSbom = options.sbom ?? format === 'docker-archive';
  // Loaded only when this write makes the SBOM: a fetch without one does not pay for its modules.
  const sbomLibrary = format === 'docker-archive' && wantSbom ? await import('@isar/sbom') : undefined;
  let collector: import('@isar/sbom').SbomCollector | undefined;
  const write = () => {
    collector = sbomLibrary?.createSbomCollector();
    return downloadAndWrite(plan, client, image, target.reference, layers, cache, zstd, options, collector);
  };
  let totals: LayerDownloadTotals;
  try {
    totals = await write();
  } catch (error) {
    if (!cache || !isDamagedContent(error)) throw error;
    // A cached blob that no longer matches its digest (a disk fault, a bad copy): drop this image's blobs and
    // download them again, once. A registry serving bad content fails the same way the second time.
    for (const layer of layers) await cache.evict(layer.digest);
    onProgress?.({ type: 'cache-evicted', digests: layers.map((l) => l.digest), reason: String(error) });
    totals = await write();
  }
  if (wantSbom) {
    const sbom = await publishSbom(plan, image, target.indexDigest, collector, signal);
    if (sbom.error !== undefined) reportSbomFailure(plan, sbom.error, onProgress);
  }
  // An SBOM of the archive this one replaced would describe another image.
  else await rm(sbomPathOf(plan.path), { force: true });
  const record = await writeRecord(plan.path, {
    format,
    reference,
    indexDigest: target.indexDigest,
    manifestDigest: image.descriptor.digest,
    platform,
    url: formatDockerUrl(plan.url),
    layers: image.manifest.layers.map((layer) => layer.digest),
  });
  onProgress?.({ type: 'published', path: plan.path, bytes: record.size });
  return {
    path: plan.path,
    localFile: plan.localFile,
    reference,
    indexDigest: target.indexDigest,
    manifestDigest: image.descriptor.digest,
    platform,
    format,
    cacheHit: false,
    ...totals,
    seconds: (performance.now() - plan.started) / 1000,
    ...extras,
  };
}

/** A valid archive for a pinned digest, in the format asked for. */
async function pinnedHit(plan: Plan, digest: Digest): Promise<PublishedRecord | undefined> {
  const record = await readValidRecord(plan.path);
  return record && record.format === plan.format && record.indexDigest === digest ? record : undefined;
}

/**
 * Offline (`BB_NO_NETWORK`): what DL_DIR already has is the answer, with no connection opened. A pinned URL
 * was answered above; a tag URL takes the archive we published for that tag, without asking where it points now.
 */
async function offlineHit(plan: Plan): Promise<PublishedRecord> {
  const record = plan.url.digest === undefined ? await readValidRecord(plan.path) : undefined;
  if (record && record.format === plan.format) return record;
  throw new FetchCoreError(
    'OFFLINE',
    `offline: ${redactDockerUrl(plan.url.url)} is not in the download cache (${plan.path}); fetching it needs the registry`,
    { hint: 'fetch it once with network access, or pin a digest whose archive is already there' },
  );
}

async function reportHit(
  plan: Plan,
  record: PublishedRecord,
  options: FetchOptions,
  locked: boolean,
): Promise<FetchResult> {
  options.onProgress?.({ type: 'hit', path: plan.path });
  // Published by an earlier run without its SBOM (--no-sbom, an older version): made now from the archive.
  const sbom = await ensureSbom(plan, record, {
    ...(options.sbom === undefined ? {} : { sbom: options.sbom }),
    ...(options.signal ? { signal: options.signal } : {}),
    locked,
  });
  if (sbom.error !== undefined) reportSbomFailure(plan, sbom.error, options.onProgress);
  return {
    path: plan.path,
    localFile: plan.localFile,
    reference: record.reference,
    indexDigest: record.indexDigest,
    manifestDigest: record.manifestDigest,
    platform: record.platform,
    format: record.format,
    cacheHit: true,
    bytesDownloaded: 0,
    bytesFromCache: 0,
    seconds: (performance.now() - plan.started) / 1000,
  };
}

/** An SBOM that could not be made never fails the fetch, but is never silent either. */
function reportSbomFailure(
  plan: Plan,
  error: unknown,
  onProgress: ((event: FetchProgress) => void) | undefined,
): void {
  const reason = error instanceof Error ? error.message : String(error);
  onProgress?.({ type: 'sbom-failed', path: sbomPathOf(plan.path), reason });
}
