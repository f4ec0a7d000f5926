import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { openLayout, writeOciArchive } from '@isar/archive';
import {
  buildImage,
  type Registry,
  runChecked,
  skopeo,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImages } from '../../archive/image-plan.js';
import { parseImageName } from '../../inputs/image-name.js';
import { type FixtureArchive, makeArchive } from '../../test-support/archives.js';
import { RegistryEngine } from './registry-engine.js';

/** Raw manifest bytes as the registry serves them, and their digest. */
async function rawManifest(ref: string): Promise<{ bytes: Buffer; digest: string }> {
  const { stdout } = await runChecked('skopeo', [
    'inspect',
    '--raw',
    '--tls-verify=false',
    `docker://${ref}`,
  ]);
  const bytes = Buffer.from(stdout);
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

describe('registry engine: pushes archives into a real registry', () => {
  let source: Registry;
  let target: Registry;
  let work: TmpDir;
  let engine: RegistryEngine;
  let oci: FixtureArchive;
  let docker: FixtureArchive;

  beforeAll(async () => {
    [source, target, work] = await Promise.all([
      startRegistry(),
      startRegistry(),
      tmpDir('loader-registry-'),
    ]);
    oci = await makeArchive({
      registry: source,
      dir: work.path,
      format: 'oci',
      name: 'quay.io/libpod/alpine:3.10',
      seed: 701,
    });
    docker = await makeArchive({
      registry: source,
      dir: work.path,
      format: 'docker-archive',
      name: 'debian:bookworm',
      seed: 702,
    });
    engine = new RegistryEngine({ url: target.url, tmpDir: work.path, env: process.env });
    await engine.probe();
  });
  afterAll(async () => {
    await engine?.close();
    await Promise.all([source?.stop(), target?.stop()]);
    await work?.cleanup();
  });

  it('pushes an oci archive byte-identically: the registry serves the digest the archive was made from', async () => {
    const name = parseImageName(oci.name);
    expect(await engine.lookup(name)).toBeUndefined();
    const prepared = await engine.prepare(oci.path);
    const loaded = await engine.load(prepared, planImages(prepared.contents, name));
    await prepared.dispose();
    expect(loaded).toEqual([
      {
        name: 'quay.io/libpod/alpine:3.10',
        target: `${target.host}/libpod/alpine:3.10`,
        digest: oci.manifestDigest,
      },
    ]);
    // The source host is dropped, the repository path kept.
    const served = await rawManifest(`${target.host}/libpod/alpine:3.10`);
    expect(served.digest).toBe(oci.manifestDigest);
    expect(await engine.lookup(name)).toBe(oci.manifestDigest);
  });

  it('pushes a docker-archive with gzip layers under a new Docker v2 manifest whose layers match the diff_ids', async () => {
    const name = parseImageName(docker.name);
    const prepared = await engine.prepare(docker.path);
    const [loaded] = await engine.load(prepared, planImages(prepared.contents, name));
    await prepared.dispose();
    expect(loaded?.target).toBe(`${target.host}/library/debian:bookworm`);
    expect(loaded?.newDigest).toBe(true);
    const served = await rawManifest(`${target.host}/library/debian:bookworm`);
    expect(served.digest).toBe(loaded?.digest);
    const manifest = JSON.parse(served.bytes.toString()) as {
      mediaType: string;
      config: { digest: string };
      layers: Array<{ mediaType: string; digest: string }>;
    };
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(manifest.config.digest).toBe(docker.configDigest);
    // Pull it back with skopeo (which verifies every blob digest) and check each layer against the config.
    const pulled = join(work.path, 'pulled');
    await skopeo([
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${loaded?.target}`,
      `dir:${pulled}`,
    ]);
    const diffIds = docker.image.manifests[0]?.layers.map((l) => l.diffId);
    const uncompressed = await Promise.all(
      manifest.layers.map(async (layer) => {
        expect(layer.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
        const hash = createHash('sha256');
        const gunzip = createGunzip();
        gunzip.on('data', (chunk: Buffer) => hash.update(chunk));
        const done = new Promise((resolve, reject) => gunzip.on('end', resolve).on('error', reject));
        gunzip.end(await readFile(join(pulled, layer.digest.slice('sha256:'.length))));
        await done;
        return `sha256:${hash.digest('hex')}`;
      }),
    );
    expect(uncompressed).toEqual(diffIds);
  });

  it('pushing the same docker-archive again gives the same digest (deterministic gzip)', async () => {
    const name = parseImageName(docker.name);
    const before = await engine.lookup(name);
    const prepared = await engine.prepare(docker.path);
    const [again] = await engine.load(prepared, planImages(prepared.contents, name));
    await prepared.dispose();
    expect(again?.digest).toBe(before);
  });

  it('pushes an oci archive that keeps every platform whole: the tag names the same index, each platform pulls', async () => {
    const built = await buildImage({
      platforms: ['linux/amd64', 'linux/arm64'],
      layers: [0, 20_000],
      seed: 703,
    });
    const layout = await openLayout(built.layoutDir);
    const path = join(work.path, 'multi.zst');
    await writeOciArchive(layout.image('linux/amd64'), {
      repoTags: ['example.com/multi/app:2'],
      output: path,
      index: layout.index,
      keepAllPlatforms: true,
      compression: { zstd: {} },
    });
    const name = parseImageName('example.com/multi/app:2');
    const prepared = await engine.prepare(path);
    const loaded = await engine.load(prepared, planImages(prepared.contents, name));
    await prepared.dispose();
    expect(loaded).toEqual([
      { name: 'example.com/multi/app:2', target: `${target.host}/multi/app:2`, digest: built.indexDigest },
    ]);
    expect((await rawManifest(`${target.host}/multi/app:2`)).digest).toBe(built.indexDigest);
    for (const arch of ['amd64', 'arm64']) {
      const inspected = JSON.parse(
        (
          await skopeo([
            '--override-arch',
            arch,
            'inspect',
            '--tls-verify=false',
            `docker://${target.host}/multi/app:2`,
          ])
        ).stdout,
      ) as { Architecture: string; Layers: string[] };
      expect(inspected.Architecture).toBe(arch);
      expect(inspected.Layers).toEqual(
        built.manifests.find((m) => m.platform === `linux/${arch}`)?.layers.map((l) => l.digest),
      );
    }
  });

  it('reports an unreachable registry as ENGINE_UNAVAILABLE', async () => {
    const dead = new RegistryEngine({ url: 'http://127.0.0.1:9', tmpDir: work.path, env: process.env });
    await expect(dead.probe()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await dead.close();
  });
});
