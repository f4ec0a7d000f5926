/**
 * Deterministic fixture images written as OCI image layouts (oci-layout, index.json, blobs/sha256/*).
 * Layer 0 is a small root filesystem with /bin/busybox (Debian's real static binary on the host
 * platform, so `docker run <img> /bin/busybox echo hi` works); further layers hold generated files
 * that compress like real data. Same spec -> same bytes -> same digests, so layouts are cached.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BusyboxSource, busyboxBytes, findBusybox } from './busybox-source.js';
import { generateRecords, generateText, mixSeed, SeededRandom } from './generated-content.js';
import { FIXED_MTIME, type LayerEntry, writeLayer } from './layer-writer.js';
import { type FixturePlatform, parseFixturePlatform } from './platforms.js';
import { trackDir, untrackDir } from './processes.js';

/** Bump when the produced bytes change, so stale cached layouts are not reused. */
const BUILDER_VERSION = 3;

export interface ImageSpec {
  /** e.g. ['linux/amd64','linux/arm64/v8','linux/arm/v7','linux/arm/v5','linux/386']; default ['linux/amd64']. */
  platforms?: string[];
  /** Layer count, or approximate uncompressed size in bytes per layer; default 2 small layers. Layer 0 holds busybox. */
  layers?: number | number[];
  /** Media types of manifests, config and layers; default 'oci'. */
  mediaTypes?: 'oci' | 'docker';
  /** Seed of the generated content (different seeds -> different digests); default 1. */
  seed?: number;
  /** Write the layout here instead of the shared cache. */
  dir?: string;
  /** Put /bin/busybox (+ sh, echo... symlinks) into layer 0; default true. */
  busybox?: boolean;
  /** Write an index (or Docker list) even for a single platform; default: only when multi-platform. */
  index?: boolean;
  /** The ref name annotation in index.json; default 'latest'. */
  refName?: string;
  signal?: AbortSignal;
}

export interface BuiltLayer {
  digest: string;
  /** Compressed size. */
  size: number;
  diffId: string;
  uncompressedSize: number;
  mediaType: string;
}

export interface BuiltManifest {
  platform: string;
  digest: string;
  size: number;
  mediaType: string;
  configDigest: string;
  configSize: number;
  layers: BuiltLayer[];
  /** How /bin/busybox got into layer 0 ('host' = Debian's real binary that runs here). */
  busybox?: 'host' | 'cached' | 'generated';
}

export interface BuiltImage {
  /** An OCI image layout on disk; treat as read-only (it may be shared through the cache). */
  layoutDir: string;
  /** The ref name inside index.json (skopeo: `oci:<layoutDir>:<refName>`). */
  refName: string;
  /** Digest of what index.json points at: the index when there is one, else the manifest. */
  digest: string;
  mediaType: string;
  /** When multi-platform (or `index: true`). */
  indexDigest?: string;
  indexSize?: number;
  manifests: BuiltManifest[];
}

const mediaTypesOf = {
  oci: {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

const DEFAULT_BASE_PADDING = 16 * 1024;
const DEFAULT_LAYER_SIZE = 64 * 1024;
const created = FIXED_MTIME.toISOString().replace('.000Z', 'Z');

interface NormalizedSpec {
  platforms: FixturePlatform[];
  layerSizes: number[];
  mediaTypes: 'oci' | 'docker';
  seed: number;
  busybox: boolean;
  index: boolean;
  refName: string;
}

function normalize(spec: ImageSpec): NormalizedSpec {
  const platforms = (spec.platforms ?? ['linux/amd64']).map(parseFixturePlatform);
  if (platforms.length === 0) throw new Error('buildImage: platforms must not be empty');
  if (new Set(platforms.map((p) => p.text)).size !== platforms.length) {
    throw new Error('buildImage: duplicate platform');
  }
  const layers = spec.layers ?? 2;
  const layerSizes =
    typeof layers === 'number'
      ? Array.from({ length: layers }, (_, i) => (i === 0 ? DEFAULT_BASE_PADDING : DEFAULT_LAYER_SIZE))
      : [...layers];
  if (layerSizes.length === 0 || layerSizes.some((size) => !(size >= 0))) {
    throw new Error('buildImage: need at least one layer with a non-negative size');
  }
  return {
    platforms,
    layerSizes,
    mediaTypes: spec.mediaTypes ?? 'oci',
    seed: spec.seed ?? 1,
    busybox: spec.busybox ?? true,
    index: spec.index ?? platforms.length > 1,
    refName: spec.refName ?? 'latest',
  };
}

/** Generated files (mostly text, some binary records) adding up to about `size` bytes. */
function* generatedFiles(random: SeededRandom, dir: string, size: number): Generator<LayerEntry> {
  if (size <= 0) return;
  yield { type: 'directory', name: `${dir}/` };
  let remaining = size;
  for (let n = 0; remaining > 0; n++) {
    const fileSize = Math.min(remaining, 4096 + random.below(252 * 1024));
    const binary = random.below(4) === 0;
    yield {
      type: 'file',
      name: `${dir}/${binary ? `data-${n}.bin` : `notes-${n}.txt`}`,
      data: binary ? generateRecords(random, fileSize) : generateText(random, fileSize),
    };
    remaining -= fileSize;
  }
}

async function* baseLayerEntries(
  spec: NormalizedSpec,
  platform: FixturePlatform,
  busybox: Buffer | undefined,
  random: SeededRandom,
): AsyncGenerator<LayerEntry> {
  for (const dir of ['bin', 'etc', 'root', 'usr', 'usr/share']) yield { type: 'directory', name: `${dir}/` };
  yield { type: 'directory', name: 'tmp/', mode: 0o1777 };
  if (busybox) {
    yield { type: 'file', name: 'bin/busybox', data: busybox, mode: 0o755 };
    for (const applet of ['sh', 'echo', 'cat', 'ls', 'true', 'false', 'sleep', 'uname', 'sha256sum']) {
      yield { type: 'symlink', name: `bin/${applet}`, target: 'busybox' };
    }
  }
  yield { type: 'file', name: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\n') };
  yield { type: 'file', name: 'etc/group', data: Buffer.from('root:x:0:\n') };
  yield {
    type: 'file',
    name: 'etc/isar-testkit-release',
    data: Buffer.from(`platform=${platform.text}\nseed=${spec.seed}\n`),
  };
  const padding = Math.max(0, (spec.layerSizes[0] ?? 0) - (busybox?.length ?? 0));
  yield* generatedFiles(random, 'usr/share/isar-testkit/base', padding);
}

async function writeJsonBlob(blobsDir: string, value: unknown): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(blobsDir, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

function platformObject(platform: FixturePlatform) {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant && { variant: platform.variant }),
  };
}

async function buildPlatform(
  spec: NormalizedSpec,
  platform: FixturePlatform,
  source: BusyboxSource | undefined,
  blobsDir: string,
  signal: AbortSignal | undefined,
): Promise<BuiltManifest> {
  const types = mediaTypesOf[spec.mediaTypes];
  const layers: BuiltLayer[] = [];
  const busybox = source ? await busyboxBytes(platform, source) : undefined;
  for (const [index, size] of spec.layerSizes.entries()) {
    // Each platform and layer gets its own stream so no two layers share bytes by accident.
    const random = new SeededRandom(mixSeed(spec.seed, platform.text, index));
    const entries =
      index === 0
        ? baseLayerEntries(spec, platform, busybox, random)
        : generatedFiles(random, `usr/share/isar-testkit/layer-${index}`, size);
    const written = await writeLayer(blobsDir, entries, signal);
    layers.push({ ...written, mediaType: types.layer });
  }
  const config = {
    architecture: platform.architecture,
    ...(platform.variant && { variant: platform.variant }),
    os: platform.os,
    created,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/busybox', 'echo', `isar-testkit ${platform.text}`],
      Labels: { 'org.isar.testkit.seed': String(spec.seed), 'org.isar.testkit.platform': platform.text },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((_, i) => ({ created, created_by: `isar-testkit layer ${i}` })),
  };
  const configBlob = await writeJsonBlob(blobsDir, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, ...configBlob },
    layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
  };
  const manifestBlob = await writeJsonBlob(blobsDir, manifest);
  return {
    platform: platform.text,
    digest: manifestBlob.digest,
    size: manifestBlob.size,
    mediaType: types.manifest,
    configDigest: configBlob.digest,
    configSize: configBlob.size,
    layers,
    ...(source && { busybox: source.kind }),
  };
}

async function buildLayout(
  spec: NormalizedSpec,
  layoutDir: string,
  signal?: AbortSignal,
): Promise<BuiltImage> {
  const types = mediaTypesOf[spec.mediaTypes];
  const blobsDir = join(layoutDir, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const manifests: BuiltManifest[] = [];
  for (const platform of spec.platforms) {
    const source = spec.busybox ? findBusybox(platform) : undefined;
    manifests.push(await buildPlatform(spec, platform, source, blobsDir, signal));
  }
  let top: { mediaType: string; digest: string; size: number };
  let indexBlob: { digest: string; size: number } | undefined;
  if (spec.index) {
    indexBlob = await writeJsonBlob(blobsDir, {
      schemaVersion: 2,
      mediaType: types.index,
      manifests: manifests.map((m, i) => ({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        platform: platformObject(spec.platforms[i] as FixturePlatform),
      })),
    });
    top = { mediaType: types.index, ...indexBlob };
  } else {
    const only = manifests[0] as BuiltManifest;
    top = { mediaType: only.mediaType, digest: only.digest, size: only.size };
  }
  await writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layoutDir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': spec.refName } }],
    }),
  );
  return {
    layoutDir,
    refName: spec.refName,
    digest: top.digest,
    mediaType: top.mediaType,
    ...(indexBlob && { indexDigest: indexBlob.digest, indexSize: indexBlob.size }),
    manifests,
  };
}

export function imageCacheDir(): string {
  return join(tmpdir(), 'isar-testkit-images');
}

const building = new Map<string, Promise<BuiltImage>>();

/**
 * Builds (or reuses) the layout for `spec`. Without `dir` the layout lives in a cache keyed by the
 * spec, shared by every test of this machine: repeated calls are cheap.
 */
export function buildImage(spec: ImageSpec = {}): Promise<BuiltImage> {
  const normalized = normalize(spec);
  if (spec.dir !== undefined) return buildLayout(normalized, spec.dir, spec.signal);
  const sources = normalized.busybox ? normalized.platforms.map((p) => findBusybox(p).identity) : [];
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        v: BUILDER_VERSION,
        ...normalized,
        platforms: normalized.platforms.map((p) => p.text),
        sources,
      }),
    )
    .digest('hex')
    .slice(0, 24);
  let pending = building.get(key);
  if (!pending) {
    pending = buildCached(normalized, key, spec.signal);
    building.set(key, pending);
    pending.catch(() => building.delete(key));
  }
  return pending;
}

async function buildCached(spec: NormalizedSpec, key: string, signal?: AbortSignal): Promise<BuiltImage> {
  const root = imageCacheDir();
  const layoutDir = join(root, key);
  const metaFile = join(root, `${key}.json`);
  // The metadata file is written last, so its presence means the layout is complete.
  if (existsSync(metaFile)) {
    try {
      return JSON.parse(await readFile(metaFile, 'utf8')) as BuiltImage;
    } catch {
      // a torn write by a killed process: rebuild below
    }
  }
  await mkdir(root, { recursive: true });
  const partial = join(root, `${key}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  trackDir(partial); // a killed build must not leave half a layout behind
  try {
    const built = await buildLayout(spec, partial, signal);
    try {
      // atomic: a layout dir under its final name is always complete
      await rename(partial, layoutDir);
    } catch (error) {
      // another process finished the same build first; its bytes are identical to ours
      if (!existsSync(layoutDir)) throw error;
    }
    const result = { ...built, layoutDir };
    const tmpMeta = `${partial}.json`;
    await writeFile(tmpMeta, JSON.stringify(result));
    await rename(tmpMeta, metaFile);
    return result;
  } finally {
    untrackDir(partial);
    await rm(partial, { recursive: true, force: true });
  }
}
