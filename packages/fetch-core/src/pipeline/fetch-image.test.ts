import { copyFile, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  type FaultProxy,
  faultProxy,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchCoreError } from '../errors.js';
import { fetchImage } from './fetch-image.js';
import type { FetchProgress } from './fetch-progress.js';
import { recordPathOf } from './published-record.js';
import { resolveImage } from './resolve-image.js';
import { unpackImage } from './unpack-image.js';
import { verifyFetchedArchive } from './verify-fetched.js';

/** The pipeline against a real registry (Debian docker-registry) serving a real multi-arch image. */
let registry: Registry;
let image: BuiltImage;
let indexDigest: string;
let repo: string;
let work: TmpDir;
let dlDir: string;

const layersOf = (platform: string) => {
  const manifest = image.manifests.find((m) => m.platform === platform);
  if (!manifest) throw new Error(`no ${platform} in the fixture`);
  return manifest;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const blobGets = async (digests: string[]) =>
  (await registry.accessLog()).filter(
    (e) => e.kind === 'blob' && e.method === 'GET' && digests.some((d) => e.path.endsWith(d)),
  ).length;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({
    platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v5', 'linux/386'],
    layers: [0, 3_000_000],
  });
  repo = `${registry.host}/demo/busybox`;
  indexDigest = (await pushImage(image, `${repo}:1`)).digest;
  await pushImage(image, `${repo}:same-as-1`);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('fetch-core-pipeline-');
  dlDir = join(work.path, 'downloads');
});
afterEach(async () => {
  await work.cleanup();
});

describe('fetchImage', () => {
  it('fetches a tag for an arch: resolves, warns, picks the platform, publishes a verified archive', async () => {
    const events: FetchProgress[] = [];
    const url = `docker://${repo};tag=1`;
    const result = await fetchImage(url, {
      dlDir,
      arch: 'armhf',
      onProgress: (e) => events.push(e),
    });
    const armv7 = layersOf('linux/arm/v7');
    expect(result).toMatchObject({
      path: join(dlDir, `container-images/arm/v7/${repo.replaceAll('/', '.')}_1.zst`),
      localFile: `container-images/arm/v7/${repo.replaceAll('/', '.')}_1.zst`,
      reference: `${repo}:1@${indexDigest}`,
      indexDigest,
      manifestDigest: armv7.digest,
      platform: 'linux/arm/v7',
      format: 'docker-archive',
      cacheHit: false,
      bytesDownloaded: sum(armv7.layers.map((l) => l.size)),
      bytesFromCache: 0,
      srcUriLine: `SRC_URI = "${url};digest=${indexDigest}"`,
      warning: `Missing checksum for '${url}', consider using this SRC_URI in the recipe: SRC_URI = "${url};digest=${indexDigest}"`,
    });
    const types = events.map((e) => e.type).filter((t) => t !== 'layer-progress');
    expect(types.slice(0, 3)).toEqual(['warning', 'resolved', 'image']);
    expect(types.at(-1)).toBe('published');
    expect(events.some((e) => e.type === 'layer-progress')).toBe(true);

    const report = await verifyFetchedArchive(result.path);
    expect(report).toMatchObject({ format: 'docker-archive', compression: 'zstd' });
    expect(report.images).toHaveLength(1);
    expect(report.images[0]).toMatchObject({
      platform: 'linux/arm/v7',
      repoTags: [`${repo}:1`],
      configDigest: armv7.configDigest,
      layers: armv7.layers.length,
      verifiedByDiffId: armv7.layers.length,
      loadable: true,
    });
    // Only the archive, its SBOM, its record and the blob cache: no temp or lock files left.
    expect((await readdir(join(dlDir, 'container-images/arm/v7'))).sort()).toEqual([
      `${repo.replaceAll('/', '.')}_1.zst`,
      `${repo.replaceAll('/', '.')}_1.zst.cdx.json`,
      `${repo.replaceAll('/', '.')}_1.zst.isar-fetch.json`,
    ]);
    // The SBOM, a by-product of the write: the registry's digests, the blob digests, the URL.
    const bom = JSON.parse(await readFile(`${result.path}.cdx.json`, 'utf8'));
    expect(bom.specVersion).toBe('1.6');
    const component = bom.metadata.component;
    expect(component.purl).toContain(`@${armv7.digest}?arch=arm%2Fv7&repository_url=`);
    const property = (name: string) =>
      component.properties
        .filter((p: { name: string }) => p.name === name)
        .map((p: { value: string }) => p.value);
    expect(property('isar:image:index-digest')).toEqual([indexDigest]);
    expect(property('isar:image:layer:000:digest')).toEqual([armv7.layers[0]?.digest]);
    expect(property('isar:image:source')).toEqual([`docker://${repo};tag=1`]);
    const blobs = await readdir(join(dlDir, 'container-images/blobs/sha256'));
    expect(blobs.sort()).toEqual(armv7.layers.map((l) => l.digest.slice(7)).sort());
  });

  it.each([
    ['amd64', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['armel', 'linux/arm/v5'],
    ['i386', 'linux/386'],
  ])('picks %s -> %s from the index (armel falls back to v5)', async (arch, platform) => {
    const result = await fetchImage(`docker://${repo};tag=1;digest=${indexDigest}`, { dlDir, arch });
    expect(result.platform).toBe(platform);
    expect(result.manifestDigest).toBe(layersOf(platform).digest);
    expect(result.warning).toBeUndefined();
    expect(result.srcUriLine).toBeUndefined();
  });

  it('fails with NO_MATCHING_PLATFORM for an arch the index lacks, leaving nothing at the path', async () => {
    await expect(fetchImage(`docker://${repo};tag=1`, { dlDir, arch: 's390x' })).rejects.toMatchObject({
      code: 'NO_MATCHING_PLATFORM',
    });
    expect(await readdir(join(dlDir, 'container-images/s390x'))).toEqual([]);
  });

  it('writes the digest-preserving oci format with the registry blobs', async () => {
    const result = await fetchImage(`docker://${repo};digest=${indexDigest}`, {
      dlDir,
      arch: 'arm64',
      format: 'oci',
      zstd: { level: 1, threads: 1 },
    });
    expect(result.reference).toBe(`${repo}@${indexDigest}`);
    const report = await verifyFetchedArchive(result.path);
    expect(report.format).toBe('oci');
    expect(report.images[0]).toMatchObject({ manifestDigest: layersOf('linux/arm64').digest });
  });

  it('a repeat of a digest-pinned URL is a hit with no HTTP request at all', async () => {
    const url = `docker://${repo};digest=${indexDigest}`;
    const first = await fetchImage(url, { dlDir, arch: 'amd64' });
    const before = (await registry.accessLog()).length;
    const events: FetchProgress[] = [];
    const again = await fetchImage(url, { dlDir, arch: 'amd64', onProgress: (e) => events.push(e) });
    expect((await registry.accessLog()).length).toBe(before);
    expect(again).toMatchObject({
      path: first.path,
      cacheHit: true,
      bytesDownloaded: 0,
      indexDigest,
      manifestDigest: first.manifestDigest,
      platform: 'linux/amd64',
    });
    expect(events).toEqual([{ type: 'hit', path: first.path }]);
  });

  it('refetches when the archive no longer matches its record, or another format is asked for', async () => {
    const url = `docker://${repo};digest=${indexDigest}`;
    const first = await fetchImage(url, { dlDir, arch: 'amd64' });
    // Touched by something else: mtime differs.
    await utimes(first.path, new Date(), new Date(Date.now() - 60_000));
    expect((await fetchImage(url, { dlDir, arch: 'amd64' })).cacheHit).toBe(false);
    // Replaced by another file of the same size.
    const copy = join(work.path, 'copy');
    await copyFile(first.path, copy);
    await copyFile(copy, first.path);
    const refetched = await fetchImage(url, { dlDir, arch: 'amd64' });
    expect(refetched).toMatchObject({ cacheHit: false, bytesDownloaded: 0 });
    // Same path, other format: rewritten as oci, and then that is the hit.
    expect((await fetchImage(url, { dlDir, arch: 'amd64', format: 'oci' })).cacheHit).toBe(false);
    expect((await verifyFetchedArchive(first.path)).format).toBe('oci');
    expect((await fetchImage(url, { dlDir, arch: 'amd64', format: 'oci' })).cacheHit).toBe(true);
    // No record: not trusted.
    await writeFile(recordPathOf(first.path), '{"version":1');
    expect((await fetchImage(url, { dlDir, arch: 'amd64', format: 'oci' })).cacheHit).toBe(false);
  });

  it('a tag is resolved each time; same top digest in the same format is a hit', async () => {
    const url = `docker://${repo};tag=1`;
    await fetchImage(url, { dlDir, arch: 'amd64', policy: 'ignore' });
    const again = await fetchImage(url, { dlDir, arch: 'amd64', policy: 'ignore' });
    expect(again).toMatchObject({ cacheHit: true, indexDigest });
    expect(again.warning).toBeUndefined();
  });

  it('a second tag sharing every layer downloads no layer bytes', async () => {
    const amd64 = layersOf('linux/amd64').layers.map((l) => l.digest);
    await fetchImage(`docker://${repo};tag=1`, { dlDir, arch: 'amd64' });
    const before = await blobGets(amd64);
    const second = await fetchImage(`docker://${repo};tag=same-as-1`, { dlDir, arch: 'amd64' });
    expect(await blobGets(amd64)).toBe(before);
    expect(second).toMatchObject({
      cacheHit: false,
      bytesDownloaded: 0,
      bytesFromCache: sum(layersOf('linux/amd64').layers.map((l) => l.size)),
    });
  });

  it('strict policy: a missing digest is MISSING_CHECKSUM carrying the SRC_URI line, and nothing is pulled', async () => {
    const url = `docker://${repo};tag=1`;
    const error = await fetchImage(url, { dlDir, arch: 'amd64', policy: '1' }).catch((e) => e);
    expect(error).toBeInstanceOf(FetchCoreError);
    expect(error).toMatchObject({
      code: 'MISSING_CHECKSUM',
      srcUriLine: `SRC_URI = "${url};digest=${indexDigest}"`,
    });
    await expect(stat(join(dlDir, 'container-images/blobs'))).rejects.toThrow();
  });

  it('a tag that moved away from the pinned digest is CHECKSUM_MISMATCH naming both', async () => {
    const stale = `sha256:${'ab'.repeat(32)}`;
    const url = `docker://${repo};tag=1;digest=${stale}`;
    const error = await fetchImage(url, { dlDir, arch: 'amd64', policy: 'ignore' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(error.message).toContain(stale);
    expect(error.message).toContain(indexDigest);
    expect(error.srcUriLine).toBe(`SRC_URI = "docker://${repo};tag=1;digest=${indexDigest}"`);
  });

  it('a damaged cached blob is dropped and downloaded again, once', async () => {
    const url = `docker://${repo};tag=1;digest=${indexDigest}`;
    await fetchImage(url, { dlDir, arch: 'amd64' });
    const big = layersOf('linux/amd64').layers.reduce((a, b) => (b.size > a.size ? b : a));
    const cached = join(dlDir, 'container-images/blobs/sha256', big.digest.slice(7));
    const bytes = await readFile(cached);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 1, 100);
    await writeFile(cached, bytes);
    const events: FetchProgress[] = [];
    for (const format of ['oci', 'docker-archive'] as const) {
      if (format === 'docker-archive') await writeFile(cached, bytes);
      const result = await fetchImage(url, {
        dlDir,
        arch: 'amd64',
        format,
        onProgress: (e) => events.push(e),
      });
      expect(result.bytesDownloaded).toBe(sum(layersOf('linux/amd64').layers.map((l) => l.size)));
      expect((await verifyFetchedArchive(result.path)).format).toBe(format);
    }
    expect(events.filter((e) => e.type === 'cache-evicted')).toHaveLength(2);
    expect(await readFile(cached)).not.toEqual(bytes);
  });

  it('without a blob cache keeps no blobs', async () => {
    const result = await fetchImage(`docker://${repo};tag=1`, { dlDir, arch: 'amd64', blobCache: false });
    expect(result.bytesDownloaded).toBe(sum(layersOf('linux/amd64').layers.map((l) => l.size)));
    await expect(stat(join(dlDir, 'container-images/blobs'))).rejects.toThrow();
    expect((await verifyFetchedArchive(result.path)).images[0]?.verifiedByDiffId).toBe(2);
  });

  it('an abort stops the fetch and leaves no file at the final path, no temp, no lock', async () => {
    const controller = new AbortController();
    const attempt = fetchImage(`docker://${repo};tag=1`, {
      dlDir,
      arch: 'amd64',
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'layer-progress') controller.abort(new DOMException('stop', 'AbortError'));
      },
    });
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(join(dlDir, 'container-images/amd64'))).toEqual([]);
  });

  it('two fetches of one URL at once: one downloads, the other waits and finds the hit', async () => {
    const url = `docker://${repo};digest=${indexDigest}`;
    const events: FetchProgress[] = [];
    const [a, b] = await Promise.all([
      fetchImage(url, { dlDir, arch: 'arm64' }),
      fetchImage(url, { dlDir, arch: 'arm64', onProgress: (e) => events.push(e) }),
    ]);
    expect(a.path).toBe(b.path);
    expect([a.cacheHit, b.cacheHit].sort()).toEqual([false, true]);
    expect(a.bytesDownloaded + b.bytesDownloaded).toBe(
      sum(layersOf('linux/arm64').layers.map((l) => l.size)),
    );
    expect((await verifyFetchedArchive(a.path)).images[0]?.platform).toBe('linux/arm64');
  });
});

describe('resume across runs', () => {
  let proxy: FaultProxy;
  beforeEach(async () => {
    proxy = await faultProxy(registry.url, []);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  it('continues a partial blob left by an earlier run with Range', async () => {
    const big = layersOf('linux/amd64').layers.reduce((a, b) => (b.size > a.size ? b : a));
    const blobs = join(dlDir, 'container-images/blobs/sha256');
    await mkdir(blobs, { recursive: true });
    const bytes = await readFile(join(image.layoutDir, 'blobs/sha256', big.digest.slice(7)));
    const half = Math.floor(bytes.length / 2);
    await writeFile(join(blobs, `${big.digest.slice(7)}.partial`), bytes.subarray(0, half));

    const url = `docker://${proxy.host}/demo/busybox;digest=${indexDigest}`;
    const result = await fetchImage(url, { dlDir, arch: 'amd64' });
    const gets = proxy.requests.filter((r) => r.method === 'GET' && r.path.endsWith(big.digest));
    // The missing half, and the 4-byte gzip trailer the archive writer reads ahead to stream the layer.
    expect(gets.map((r) => r.headers.range).sort()).toEqual(
      [`bytes=${half}-`, `bytes=${big.size - 4}-`].sort(),
    );
    const total = sum(layersOf('linux/amd64').layers.map((l) => l.size));
    expect(result).toMatchObject({ bytesFromCache: half, bytesDownloaded: total - half });
    expect(await readdir(blobs)).not.toContain(`${big.digest.slice(7)}.partial`);
    expect((await verifyFetchedArchive(result.path)).images[0]?.verifiedByDiffId).toBe(2);
  });
});

describe('resolveImage and unpackImage', () => {
  it('resolves a tag to its top digest and the SRC_URI line; with an arch, the platform manifest', async () => {
    const url = `docker://${repo};tag=1`;
    expect(await resolveImage(url)).toEqual({
      reference: `${repo}:1`,
      indexDigest,
      srcUriLine: `SRC_URI = "${url};digest=${indexDigest}"`,
    });
    expect(await resolveImage(url, { arch: 'armhf' })).toMatchObject({
      manifestDigest: layersOf('linux/arm/v7').digest,
      platform: 'linux/arm/v7',
    });
    await expect(resolveImage(`docker://${repo};tag=nope`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    ['docker-archive', undefined, true],
    ['docker-archive', false, false],
    ['oci', undefined, false],
    ['oci', true, true],
  ] as const)('SBOM beside a %s archive with sbom: %s: %s', async (format, sbom, expected) => {
    const url = `docker://${repo};tag=1`;
    const fetched = await fetchImage(url, {
      dlDir,
      arch: 'arm64',
      format,
      ...(sbom === undefined ? {} : { sbom }),
    });
    const text = await readFile(`${fetched.path}.cdx.json`, 'utf8').catch(() => undefined);
    expect(text !== undefined).toBe(expected);
    if (!text) return;
    const component = JSON.parse(text).metadata.component;
    expect(component.purl).toContain(`@${fetched.manifestDigest}?arch=arm64&`);
    const layerDigests = component.properties
      .filter((p: { name: string }) => /^isar:image:layer:\d+:digest$/.test(p.name))
      .map((p: { value: string }) => p.value);
    // The registry's blob digests, whichever way the SBOM was made (tapped while writing, or read after).
    expect(layerDigests).toEqual(layersOf('linux/arm64').layers.map((l) => l.digest));
  });

  it('an SBOM that cannot be made fails nothing but is reported (sbom-failed), fresh or on a hit', async () => {
    const url = `docker://${repo};tag=1`;
    const dl = join(work.path, 'sbom-blocked');
    const archive = join(dl, 'container-images', 'amd64', `${repo.replaceAll('/', '.')}_1.zst`);
    // A directory where the SBOM file goes: it cannot be renamed over.
    await mkdir(join(`${archive}.cdx.json`, 'in-the-way'), { recursive: true });
    for (const round of ['fresh', 'hit']) {
      const events: FetchProgress[] = [];
      const fetched = await fetchImage(url, { dlDir: dl, arch: 'amd64', onProgress: (e) => events.push(e) });
      expect(fetched.path, round).toBe(archive);
      expect(fetched.cacheHit, round).toBe(round === 'hit');
      const failed = events.filter((e) => e.type === 'sbom-failed');
      expect(failed, round).toEqual([
        { type: 'sbom-failed', path: `${archive}.cdx.json`, reason: expect.any(String) },
      ]);
      expect((await stat(archive)).size, round).toBeGreaterThan(0);
    }
  });

  it('hard-links the cached archive into WORKDIR as <localname>:<tag>.zst, replacing an older one', async () => {
    const url = `docker://${repo};tag=1;digest=${indexDigest}`;
    const fetched = await fetchImage(url, { dlDir, arch: 'amd64' });
    const workdir = join(work.path, 'workdir');
    await mkdir(workdir);
    const name = `${repo.replaceAll('/', '.')}:1.zst`;
    await writeFile(join(workdir, name), 'old');
    const first = await unpackImage(url, { dlDir, arch: 'amd64', workdir });
    const sbom = join(workdir, `${repo.replaceAll('/', '.')}:1.cdx.json`);
    expect(first).toEqual({ path: join(workdir, name), source: fetched.path, method: 'link', sbom });
    expect(await readFile(sbom, 'utf8')).toBe(await readFile(`${fetched.path}.cdx.json`, 'utf8'));
    expect((await stat(first.path)).ino).toBe((await stat(fetched.path)).ino);
    // Again, over its own link: still one file, no temp left.
    await unpackImage(url, { dlDir, arch: 'amd64', workdir });
    expect((await readdir(workdir)).sort()).toEqual([`${repo.replaceAll('/', '.')}:1.cdx.json`, name].sort());
    await expect(unpackImage(url, { dlDir, arch: 'arm64', workdir })).rejects.toMatchObject({
      code: 'NOT_FETCHED',
    });
  });
});
