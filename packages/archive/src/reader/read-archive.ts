import { posix } from 'node:path';
import {
  type Descriptor,
  type Digest,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  isManifestMediaType,
  type Platform,
} from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { isRecord, parseJsonBytes } from '../internal/json.js';
import { Verifier } from '../internal/verifier.js';
import { containerdNameAnnotation } from '../oci-archive/oci-index-json.js';
import { parseRepoTag } from '../repo-tag.js';
import type { ArchiveContents, ArchiveImage, ArchiveLayer } from './archive-contents.js';
import { openArchiveInput } from './archive-input.js';
import { defaultReadLimits, type ReadLimits } from './limits.js';
import { type ArchiveEntryInfo, type WalkedEntry, walkTar } from './tar-walk.js';

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

const blobName = /^blobs\/([^/]+)\/([^/]+)$/;

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

/** Lookups over the walked entries: links followed, documents parsed, blobs checked. */
class EntryTable {
  constructor(private readonly entries: Map<string, WalkedEntry>) {}

  /** The file an entry name leads to, following links (at most 16 hops). */
  file(name: string, what: string): WalkedEntry {
    let current = this.entries.get(name);
    for (let hops = 0; current && current.type !== 'file'; hops++) {
      if (hops > 16 || current.target === undefined) break;
      current = this.entries.get(current.target);
    }
    if (current?.type !== 'file') {
      throw new ArchiveError('MISSING_ENTRY', `${what} "${name}" is not in the archive`);
    }
    return current;
  }

  json<T>(name: string, what: string): T {
    const entry = this.file(name, what);
    if (!entry.bytes) {
      throw new ArchiveError(
        entry.size > defaultReadLimits.maxDocumentSize ? 'LIMIT_EXCEEDED' : 'INVALID_ARCHIVE',
        `${what} "${name}" (${entry.size} bytes) is not a JSON document within the size limit`,
      );
    }
    return parseJsonBytes<T>(entry.bytes, `${what} "${name}"`);
  }

  /** The blob a descriptor names, present and of the described size (its digest was checked by name). */
  blob(descriptor: Descriptor, what: string): WalkedEntry {
    if (
      !isRecord(descriptor) ||
      typeof descriptor.digest !== 'string' ||
      !/^sha256:[0-9a-f]{64}$/.test(descriptor.digest)
    ) {
      throw new ArchiveError('INVALID_ARCHIVE', `${what} has no valid sha256 digest`);
    }
    const entry = this.file(`blobs/sha256/${descriptor.digest.slice(7)}`, `${what} ${descriptor.digest}`);
    if (entry.size !== descriptor.size) {
      throw new ArchiveError(
        'SIZE_MISMATCH',
        `${what} ${descriptor.digest} is ${entry.size} bytes, descriptor says ${descriptor.size}`,
      );
    }
    return entry;
  }

  blobJson<T>(descriptor: Descriptor, what: string): { bytes: Buffer; value: T } {
    const entry = this.blob(descriptor, what);
    const value = this.json<T>(entry.name, what);
    return { bytes: entry.bytes as Buffer, value };
  }

  /** Every `blobs/<alg>/<hex>` file must hash to its name. */
  checkBlobNames(): void {
    for (const entry of this.entries.values()) {
      const match = blobName.exec(entry.name);
      if (!match || entry.type === 'directory') continue;
      const [, algorithm, hex] = match;
      if (algorithm !== 'sha256')
        throw new ArchiveError('UNSUPPORTED', `blob "${entry.name}": only sha256 blobs are supported`);
      if (!/^[0-9a-f]{64}$/.test(hex ?? ''))
        throw new ArchiveError('INVALID_ARCHIVE', `blob "${entry.name}" is not named by a sha256 digest`);
      if (entry.type === 'file' && entry.digest !== `sha256:${hex}`) {
        throw new ArchiveError('DIGEST_MISMATCH', `blob "${entry.name}" hashes to ${entry.digest}`);
      }
    }
  }
}

function configDiffIds(config: ImageConfig, where: string, layers: number): Digest[] {
  const diffIds = isRecord(config) && isRecord(config.rootfs) ? config.rootfs.diff_ids : undefined;
  if (!Array.isArray(diffIds) || diffIds.length !== layers || !diffIds.every((d) => typeof d === 'string')) {
    throw new ArchiveError(
      'INVALID_ARCHIVE',
      `${where}: config lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff_ids for ${layers} layers`,
    );
  }
  return diffIds;
}

function configPlatform(config: ImageConfig): Platform {
  return {
    os: String(config.os),
    architecture: String(config.architecture),
    ...(config.variant ? { variant: String(config.variant) } : {}),
  };
}

/** How a layer entry proves its diff_id; throws when it cannot. */
function verifyLayer(
  entry: WalkedEntry,
  diffId: Digest,
  deep: boolean,
  where: string,
): ArchiveLayer['verifiedBy'] {
  if (entry.digest === diffId || entry.uncompressedDigest === diffId) return 'diff_id';
  if (entry.inspectionError) {
    const cause = entry.inspectionError as Error;
    throw new ArchiveError(
      'CORRUPT_DATA',
      `${where}: layer "${entry.name}" does not decompress: ${cause.message}`,
      { cause },
    );
  }
  if (entry.name.startsWith('blobs/') && !deep && entry.compression) return 'blob';
  throw new ArchiveError(
    'DIFF_ID_MISMATCH',
    `${where}: layer "${entry.name}" hashes to ${entry.uncompressedDigest ?? entry.digest}, config says ${diffId}`,
  );
}

function readOciImages(
  archive: EntryTable,
  deep: boolean,
): { images: ArchiveImage[]; top: NonNullable<ArchiveContents['ociIndex']> } {
  const layoutIndex = archive.json<ImageIndex>('index.json', 'index.json');
  if (!isRecord(layoutIndex) || !Array.isArray(layoutIndex.manifests)) {
    throw new ArchiveError('INVALID_ARCHIVE', 'index.json has no manifests list');
  }
  const images: ArchiveImage[] = [];
  const visit = (descriptor: Descriptor, repoTags: string[], depth: number): void => {
    const what = isIndexMediaType(descriptor.mediaType) ? 'image index' : 'manifest';
    if (isIndexMediaType(descriptor.mediaType)) {
      if (depth > 2) throw new ArchiveError('UNSUPPORTED', `image index ${descriptor.digest} nests too deep`);
      const { value } = archive.blobJson<ImageIndex>(descriptor, what);
      if (!Array.isArray(value.manifests))
        throw new ArchiveError('INVALID_ARCHIVE', `image index ${descriptor.digest} has no manifests`);
      for (const child of value.manifests) visit(child, repoTags, depth + 1);
      return;
    }
    if (!isManifestMediaType(descriptor.mediaType)) {
      archive.blob(descriptor, 'blob');
      return;
    }
    const { bytes, value: manifest } = archive.blobJson<ImageManifest>(descriptor, what);
    if (!isRecord(manifest.config) || !Array.isArray(manifest.layers)) {
      throw new ArchiveError('INVALID_ARCHIVE', `manifest ${descriptor.digest} lacks config or layers`);
    }
    const config = archive.blobJson<ImageConfig>(manifest.config, 'config');
    const layerEntries = manifest.layers.map((layer) => archive.blob(layer, 'layer'));
    const isAttestation = descriptor.platform?.os === 'unknown' || config.value?.os === 'unknown';
    if (isAttestation) return;
    const where = `manifest ${descriptor.digest}`;
    const diffIds = configDiffIds(config.value, where, manifest.layers.length);
    images.push({
      repoTags,
      platform: descriptor.platform ?? configPlatform(config.value),
      configDigest: manifest.config.digest,
      configEntry: `blobs/sha256/${manifest.config.digest.slice(7)}`,
      rawConfig: config.bytes,
      config: config.value,
      manifestDigest: descriptor.digest,
      manifestMediaType: descriptor.mediaType,
      rawManifest: bytes,
      layers: layerEntries.map((entry, index) => ({
        entry: entry.name,
        diffId: diffIds[index] as Digest,
        digest: entry.digest as Digest,
        size: entry.size,
        mediaType: manifest.layers[index]?.mediaType,
        verifiedBy: verifyLayer(entry, diffIds[index] as Digest, deep, where),
      })),
      inDockerManifest: false,
    });
  };
  const top: NonNullable<ArchiveContents['ociIndex']> = [];
  for (const descriptor of layoutIndex.manifests) {
    const name = descriptor?.annotations?.[containerdNameAnnotation];
    const repoTags = name ? [repoTagOf(name)] : [];
    visit(descriptor, repoTags, 0);
    top.push({
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      size: descriptor.size,
      ...(descriptor.annotations ? { annotations: descriptor.annotations } : {}),
    });
  }
  // The same image under several tags appears once, with all its tags.
  const merged = new Map<string, ArchiveImage>();
  for (const image of images) {
    const key = image.manifestDigest as string;
    const known = merged.get(key);
    if (known) known.repoTags = [...new Set([...known.repoTags, ...image.repoTags])];
    else merged.set(key, image);
  }
  return { images: [...merged.values()], top };
}

interface DockerManifestItem {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

function readDockerImages(archive: EntryTable, ociImages: ArchiveImage[]): ArchiveImage[] {
  const items = archive.json<DockerManifestItem[]>('manifest.json', 'manifest.json');
  if (!Array.isArray(items) || items.length === 0)
    throw new ArchiveError('INVALID_ARCHIVE', 'manifest.json lists no image');
  return items.map((item, position) => {
    const where = `manifest.json item ${position}`;
    if (
      !isRecord(item) ||
      typeof item.Config !== 'string' ||
      !Array.isArray(item.Layers) ||
      !item.Layers.every((l) => typeof l === 'string')
    ) {
      throw new ArchiveError('INVALID_ARCHIVE', `${where} lacks Config or Layers`);
    }
    const repoTags = item.RepoTags === null || item.RepoTags === undefined ? [] : item.RepoTags;
    if (!Array.isArray(repoTags) || !repoTags.every((t) => typeof t === 'string')) {
      throw new ArchiveError('INVALID_ARCHIVE', `${where} has bad RepoTags`);
    }
    const configEntry = archive.file(normalizeReference(item.Config, where), `${where} Config`);
    const named = /^([0-9a-f]{64})\.json$/.exec(posix.basename(configEntry.name));
    if (named && configEntry.digest !== `sha256:${named[1]}`) {
      throw new ArchiveError(
        'DIGEST_MISMATCH',
        `${where}: config "${configEntry.name}" hashes to ${configEntry.digest}`,
      );
    }
    const config = archive.json<ImageConfig>(configEntry.name, `${where} Config`);
    const diffIds = configDiffIds(config, where, item.Layers.length);
    const layers: ArchiveLayer[] = (item.Layers as string[]).map((name, index) => {
      const entry = archive.file(normalizeReference(name, where), `${where} layer`);
      const diffId = diffIds[index] as Digest;
      return {
        entry: entry.name,
        diffId,
        digest: entry.digest as Digest,
        size: entry.size,
        verifiedBy: verifyLayer(entry, diffId, false, where),
      };
    });
    const oci = ociImages.find(
      (image) =>
        image.configEntry === configEntry.name &&
        image.layers.map((l) => l.entry).join() === layers.map((l) => l.entry).join(),
    );
    if (oci) {
      oci.inDockerManifest = true;
      oci.repoTags = [...new Set([...repoTags.map(repoTagOf), ...oci.repoTags])];
      return oci;
    }
    return {
      repoTags: repoTags.map(repoTagOf),
      platform: configPlatform(config),
      configDigest: configEntry.digest as Digest,
      configEntry: configEntry.name,
      rawConfig: configEntry.bytes as Buffer,
      config,
      layers,
      inDockerManifest: true,
    };
  });
}

/** manifest.json names entries relative to the archive root; refuse anything that would leave it. */
function normalizeReference(name: string, where: string): string {
  const normalized = posix.normalize(name);
  if (normalized.startsWith('/') || normalized === '..' || normalized.startsWith('../')) {
    throw new ArchiveError('UNSAFE_ENTRY_NAME', `${where} names "${name}", outside the archive`);
  }
  return normalized.replace(/^\.\//, '');
}

/** Repo tags go to engines' command lines later: anything that is not a clean name:tag is refused. */
function repoTagOf(tag: string): string {
  try {
    return parseRepoTag(tag).full;
  } catch (error) {
    throw new ArchiveError(
      'INVALID_ARCHIVE',
      `archive names an image "${tag.slice(0, 300)}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}
