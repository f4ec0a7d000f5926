/**
 * Test fixtures: real archives made the way Isar gets them, from real images served by the kit's registry:
 * with isar-fetch itself ({@link fetchWithIsarFetch}), or ({@link makeArchive}) with the tools underneath. `docker-archive` = Isar's pipeline today (skopeo copy docker://... docker-archive:, then zstd);
 * `oci` = @isar/archive's digest-preserving writer, zstd-compressed. Nothing here is hand-written tar.
 */
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { openLayout, writeOciArchive } from '@isar/archive';
import { type BuiltImage, buildImage, pushImage, type Registry, runChecked, skopeo } from '@isar/testkit';

export type ArchiveFormat = 'docker-archive' | 'oci';

export interface FixtureArchive {
  format: ArchiveFormat;
  /** Absolute path of the `.zst`. */
  path: string;
  /** File name inside its directory, as image.list names it. */
  file: string;
  /** `name:tag` as image.list and the archive name it (`isar/busybox:docker`, `quay.io/libpod/alpine:3.10`). */
  name: string;
  image: BuiltImage;
  /** The manifest digest the source registry serves (what an `oci` archive must preserve). */
  manifestDigest: string;
  configDigest: string;
}

export interface FixtureOptions {
  registry: Registry;
  dir: string;
  format: ArchiveFormat;
  /** `name:tag` the archive carries. */
  name: string;
  /** Seed of the image content: different seeds, different images. */
  seed: number;
  /** File name (default: Isar's unpack name `<name with / -> .>:<tag>.zst`). */
  file?: string;
}

/** Builds a small amd64 busybox image, pushes it to the kit registry and writes it as a `.zst` archive. */
export async function makeArchive(options: FixtureOptions): Promise<FixtureArchive> {
  const { registry, dir, format, name, seed } = options;
  const image = await buildImage({ seed, layers: [0, 40_000] });
  const manifest = image.manifests[0];
  if (!manifest) throw new Error('fixture image has no manifest');
  const colon = name.lastIndexOf(':');
  const file = options.file ?? `${name.slice(0, colon).replaceAll('/', '.')}:${name.slice(colon + 1)}.zst`;
  const path = join(dir, file);
  if (format === 'docker-archive') {
    // Isar's fetcher: registry -> docker-archive tar -> zstd (then the tar is removed).
    const source = `${registry.host}/fixtures/seed${seed}:latest`;
    await pushImage(image, source);
    // skopeo splits `docker-archive:<path>:<name>` at colons: the tar gets a colon-free name first.
    const tar = join(dir, `.fixture-${seed}.tar`);
    await rm(tar, { force: true });
    await skopeo([
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${source}`,
      `docker-archive:${tar}:${name}`,
    ]);
    await runChecked('zstd', ['-q', '-f', '--rm', '-3', tar, '-o', path]);
  } else {
    const layout = await openLayout(image.layoutDir);
    await writeOciArchive(layout.image(), { repoTags: [name], output: path, compression: { zstd: {} } });
  }
  return {
    format,
    path,
    file,
    name,
    image,
    manifestDigest: manifest.digest,
    configDigest: manifest.configDigest,
  };
}

/** Writes an Isar image.list for the archives (plus any extra lines). */
export function imageList(archives: readonly FixtureArchive[], extra: readonly string[] = []): string {
  return [
    '# image.list written by the tests, as Isar generates it',
    ...archives.map((a) => `${a.file} ${a.name}`),
    ...extra,
    '',
  ].join('\n');
}

/** The `isar-fetch` bin of the workspace (a devDependency, so turbo builds it before these tests). */
function isarFetchBin(): string {
  return join(
    dirname(createRequire(import.meta.url).resolve('isar-fetch/package.json')),
    'bin',
    'isar-fetch.js',
  );
}

/**
 * Exactly what Isar does with our fetcher: `isar-fetch fetch` into a DL_DIR, then `isar-fetch unpack` into the
 * recipe's WORKDIR (here: the images directory), giving `<localname>:<tag>.zst`. The image.list name is the
 * URL's container name, as Isar's loader class writes it.
 */
export async function fetchWithIsarFetch(options: {
  registry: Registry;
  dir: string;
  format: ArchiveFormat;
  seed: number;
  repository: string;
  tag: string;
  /** The image to push (default: a busybox image built from `seed`). */
  image?: BuiltImage;
}): Promise<FixtureArchive> {
  const { registry, format, seed, repository, tag } = options;
  const image = options.image ?? (await buildImage({ seed, layers: [0, 40_000] }));
  const manifest = image.manifests[0];
  if (!manifest) throw new Error('fixture image has no manifest');
  await pushImage(image, `${registry.host}/${repository}:${tag}`);
  const url = `docker://${registry.host}/${repository};tag=${tag}`;
  // One DL_DIR per format: the cache path does not depend on the format.
  const dlDir = join(options.dir, `.dl-${format}`);
  const common = ['--dl-dir', dlDir, '--arch', 'amd64'];
  await runChecked(process.execPath, [
    isarFetchBin(),
    'fetch',
    url,
    ...common,
    '--format',
    format,
    '--quiet',
  ]);
  const { stdout } = await runChecked(process.execPath, [
    isarFetchBin(),
    'unpack',
    url,
    ...common,
    '--workdir',
    options.dir,
  ]);
  const path = stdout.trim();
  return {
    format,
    path,
    file: basename(path),
    name: `${registry.host}/${repository}:${tag}`,
    image,
    manifestDigest: manifest.digest,
    configDigest: manifest.configDigest,
  };
}
