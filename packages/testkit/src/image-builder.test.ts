import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './image-builder.js';
import { type Registry, startRegistry } from './registry.js';
import { pushImage, skopeo } from './skopeo.js';
import { tmpDir } from './tmp-dir.js';

const blob = (layoutDir: string, digest: string) =>
  readFile(join(layoutDir, 'blobs', 'sha256', digest.replace('sha256:', '')));
const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('buildImage', () => {
  it('writes a valid OCI layout whose blobs match their digests and diff ids', async () => {
    const image = await buildImage({ seed: 21, layers: [0, 300_000, 50_000] });
    const index = JSON.parse(await readFile(join(image.layoutDir, 'index.json'), 'utf8'));
    expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('latest');
    expect(index.manifests[0].digest).toBe(image.digest);
    const [only] = image.manifests;
    if (!only) throw new Error('no manifest');
    expect(only.layers).toHaveLength(3);
    const config = JSON.parse((await blob(image.layoutDir, only.configDigest)).toString());
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux' });
    expect(config.config.Env[0]).toMatch(/^PATH=/);
    for (const [i, layer] of only.layers.entries()) {
      const bytes = await blob(image.layoutDir, layer.digest);
      expect(sha256(bytes)).toBe(layer.digest);
      expect(bytes.length).toBe(layer.size);
      expect(sha256(gunzipSync(bytes))).toBe(config.rootfs.diff_ids[i]);
    }
    // generated content compresses like real data: clearly, but not to nothing
    const data = only.layers[1];
    if (!data) throw new Error('no data layer');
    expect(data.uncompressedSize).toBeGreaterThan(300_000);
    expect(data.size / data.uncompressedSize).toBeGreaterThan(0.15);
    expect(data.size / data.uncompressedSize).toBeLessThan(0.7);
  });

  it('is deterministic: the same spec gives the same digests, another seed different ones', async () => {
    const dir = await tmpDir();
    try {
      const cached = await buildImage({ seed: 22 });
      const fresh = await buildImage({ seed: 22, dir: dir.path });
      const other = await buildImage({ seed: 23 });
      expect(fresh.digest).toBe(cached.digest);
      expect(other.digest).not.toBe(cached.digest);
      // busybox layer is shared (same bytes), generated layer differs
      expect(other.manifests[0]?.layers[1]?.digest).not.toBe(cached.manifests[0]?.layers[1]?.digest);
    } finally {
      await dir.cleanup();
    }
  });

  it("puts Debian's real busybox into the host-platform image", async () => {
    const image = await buildImage({ seed: 24 });
    expect(image.manifests[0]?.busybox).toBe('host');
  });
});

describe('multi-platform images in a registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  const platforms = ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'linux/arm/v5', 'linux/386'];

  it('pushes an OCI index with every requested platform', async () => {
    const image = await buildImage({ platforms, seed: 25, layers: 2 });
    expect(image.indexDigest).toBeDefined();
    const { digest } = await pushImage(image, `${registry.host}/multi/oci:v1`);
    expect(digest).toBe(image.indexDigest);
    const { stdout } = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/multi/oci:v1`,
    ]);
    const index = JSON.parse(stdout);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const seen = index.manifests.map(
      (m: { platform: { os: string; architecture: string; variant?: string } }) =>
        [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'),
    );
    expect(seen).toEqual(platforms);
    // each platform's manifest is served by digest, with distinct layers
    const layerSets = new Set(image.manifests.map((m) => m.layers[1]?.digest));
    expect(layerSets.size).toBe(platforms.length);
  });

  it('pushes Docker media types as a manifest list, and converts OCI with format v2s2', async () => {
    const docker = await buildImage({ platforms: platforms.slice(0, 2), seed: 26, mediaTypes: 'docker' });
    const pushed = await pushImage(docker, `${registry.host}/multi/docker:v1`);
    expect(pushed.digest).toBe(docker.indexDigest);
    const list = JSON.parse(
      (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/multi/docker:v1`]))
        .stdout,
    );
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');

    const single = await buildImage({ seed: 26, mediaTypes: 'docker' });
    expect(single.indexDigest).toBeUndefined();
    expect((await pushImage(single, `${registry.host}/single/docker:v1`)).digest).toBe(single.digest);

    const oci = await buildImage({ seed: 27 });
    const converted = await pushImage(oci, `${registry.host}/single/converted:v1`, { format: 'v2s2' });
    expect(converted.digest).not.toBe(oci.digest);
    const manifest = JSON.parse(
      (
        await skopeo([
          'inspect',
          '--raw',
          '--tls-verify=false',
          `docker://${registry.host}/single/converted:v1`,
        ])
      ).stdout,
    );
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });
});

describe('busybox for other architectures', () => {
  it('uses a cached real busybox for a foreign platform when one is in the kit cache', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const cache = await tmpDir();
    const previous = process.env.ISAR_TESTKIT_CACHE;
    process.env.ISAR_TESTKIT_CACHE = cache.path;
    try {
      const marker = Buffer.concat([Buffer.from('\x7fELF-arm64-test-binary'), Buffer.alloc(4096, 7)]);
      await mkdir(join(cache.path, 'busybox', 'arm64'), { recursive: true });
      await writeFile(join(cache.path, 'busybox', 'arm64', 'busybox'), marker);
      const image = await buildImage({ platforms: ['linux/arm64/v8', 'linux/arm/v7'], seed: 28, layers: 1 });
      expect(image.manifests.map((m) => m.busybox)).toEqual(['cached', 'generated']);
      const base = image.manifests[0]?.layers[0];
      if (!base) throw new Error('no base layer');
      const tar = gunzipSync(await blob(image.layoutDir, base.digest));
      expect(tar.includes(marker)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.ISAR_TESTKIT_CACHE;
      else process.env.ISAR_TESTKIT_CACHE = previous;
      await cache.cleanup();
    }
  });

  it.runIf(process.env.ISAR_TESTKIT_NETWORK === '1')(
    'fetches Debian busybox-static for arm64 (network)',
    async () => {
      const { fetchBusybox } = await import('./busybox-source.js');
      const { runChecked } = await import('./run-command.js');
      const file = await fetchBusybox('arm64');
      expect((await runChecked('file', [file])).stdout).toMatch(/aarch64.*statically linked/);
    },
  );
});
