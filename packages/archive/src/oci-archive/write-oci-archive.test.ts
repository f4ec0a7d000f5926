import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Image } from '@isar/oci-spec';
import { buildImage, skopeo, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../reader/read-archive.js';
import { openLayout } from '../source/oci-layout.js';
import { readTarSummary } from '../test-support/tar-contents.js';
import { writeOciArchive } from './write-oci-archive.js';

let work: TmpDir;
let counter = 0;
const out = (name: string) => join(work.path, `${counter++}-${name}`);
const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

beforeAll(async () => {
  work = await tmpDir('archive-oci-');
});
afterAll(async () => {
  await work?.cleanup();
});

describe('writeOciArchive', () => {
  it('keeps the registry manifest digest and byte-identical blobs; skopeo reads it', async () => {
    const built = await buildImage({ layers: 2, seed: 21 });
    const layout = await openLayout(built.layoutDir);
    const image = layout.image();
    const file = out('one.tar');
    const result = await writeOciArchive(image, { repoTags: ['example.com/x/y:v2'], output: file });
    expect(result.manifestDigest).toBe(built.manifests[0]?.digest);

    const inspected = JSON.parse((await skopeo(['inspect', `oci-archive:${file}:v2`])).stdout) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspected.Digest).toBe(built.manifests[0]?.digest);
    expect(inspected.Layers).toEqual(built.manifests[0]?.layers.map((layer) => layer.digest));
    const raw = (await skopeo(['inspect', '--raw', `oci-archive:${file}`])).stdout;
    expect(raw).toBe(Buffer.from(image.rawManifest).toString());

    const entries = await readTarSummary(file);
    for (const entry of entries.filter((e) => e.name.startsWith('blobs/sha256/') && e.type === 'file')) {
      const original = await sha(join(built.layoutDir, entry.name));
      expect(entry.sha256).toBe(original);
    }
    const names = entries.map((entry) => entry.name);
    expect(names.slice(0, 6)).toEqual([
      'oci-layout',
      'index.json',
      'manifest.json',
      'repositories',
      'blobs/',
      'blobs/sha256/',
    ]);
    const index = JSON.parse(entries.find((e) => e.name === 'index.json')?.text ?? '{}');
    expect(index.manifests[0].annotations).toEqual({
      'io.containerd.image.name': 'example.com/x/y:v2',
      'org.opencontainers.image.ref.name': 'v2',
    });
    const manifestJson = JSON.parse(entries.find((e) => e.name === 'manifest.json')?.text ?? '[]');
    expect(manifestJson[0].Layers).toEqual(
      built.manifests[0]?.layers.map((layer) => `blobs/sha256/${layer.digest.slice(7)}`),
    );

    const contents = await readArchive(file);
    expect(contents.format).toBe('oci');
    expect(contents.images).toHaveLength(1);
    expect(contents.images[0]).toMatchObject({
      manifestDigest: built.manifests[0]?.digest,
      repoTags: ['example.com/x/y:v2'],
      inDockerManifest: true,
    });
  });

  it('keeps the original index and every platform when asked', async () => {
    const built = await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: 2, seed: 22 });
    const layout = await openLayout(built.layoutDir);
    expect(layout.index?.descriptor.digest).toBe(built.indexDigest);
    const arm = layout.image('linux/arm64');
    const file = out('all.tar');
    const result = await writeOciArchive(arm, {
      repoTags: ['multi:1'],
      output: file,
      index: layout.index,
      keepAllPlatforms: true,
    });
    expect(result.target.digest).toBe(built.indexDigest);
    const wanted = new Set(
      built.manifests.flatMap((m) => [m.digest, m.configDigest, ...m.layers.map((l) => l.digest)]),
    );
    wanted.add(built.indexDigest as string);
    expect(new Set(result.blobs.map((blob) => blob.digest))).toEqual(wanted);

    const rawIndex = (await skopeo(['inspect', '--raw', `oci-archive:${file}:1`])).stdout;
    expect(rawIndex).toBe(Buffer.from(layout.index?.rawIndex ?? []).toString());
    for (const arch of ['amd64', 'arm64']) {
      // skopeo reports the digest of what the ref names (the index), and the chosen platform's details.
      const inspected = JSON.parse(
        (await skopeo(['--override-arch', arch, 'inspect', `oci-archive:${file}:1`])).stdout,
      ) as {
        Digest: string;
        Architecture: string;
        Layers: string[];
      };
      expect(inspected.Digest).toBe(built.indexDigest);
      expect(inspected.Architecture).toBe(arch);
      expect(inspected.Layers).toEqual(
        built.manifests.find((m) => m.platform === `linux/${arch}`)?.layers.map((l) => l.digest),
      );
    }
    const contents = await readArchive(file);
    expect(contents.images.map((image) => [image.platform.architecture, image.inDockerManifest])).toEqual([
      ['arm64', true],
      ['amd64', false],
    ]);
    // The reader hands back the index itself, byte for byte, for tools that push the whole image on.
    expect(contents.ociIndex?.map((entry) => entry.digest)).toEqual([built.indexDigest]);
    expect(contents.ociIndex?.[0]?.rawIndex?.equals(Buffer.from(layout.index?.rawIndex ?? []))).toBe(true);
    expect(contents.ociIndex?.[0]?.digest).toBe(built.indexDigest);
  });

  it('gives identical bytes for the same input, plain and zstd', async () => {
    const built = await buildImage({ layers: 2, seed: 23 });
    const image = (await openLayout(built.layoutDir)).image();
    const files = [out('a.tar'), out('b.tar'), out('a.tar.zst'), out('b.tar.zst')];
    await writeOciArchive(image, { repoTags: ['d:1'], output: files[0] as string });
    const streamOnly: Image = { ...image, layerFile: undefined } as Image;
    await writeOciArchive(streamOnly, { repoTags: ['d:1'], output: files[1] as string });
    await writeOciArchive(image, {
      repoTags: ['d:1'],
      output: files[2] as string,
      compression: { zstd: { threads: 1 } },
    });
    await writeOciArchive(image, {
      repoTags: ['d:1'],
      output: files[3] as string,
      compression: { zstd: { threads: 2 } },
    });
    expect(await sha(files[1] as string)).toBe(await sha(files[0] as string));
    expect(await sha(files[3] as string)).toBe(await sha(files[2] as string));
    const contents = await readArchive(files[2] as string, { deep: true });
    expect(contents.compression).toBe('zstd');
    expect(contents.images[0]?.layers.every((layer) => layer.verifiedBy === 'diff_id')).toBe(true);
  });

  it('refuses an image that is not in the given index, and keepAllPlatforms without an index', async () => {
    const one = await openLayout((await buildImage({ layers: 1, seed: 24 })).layoutDir);
    const multi = await openLayout(
      (await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: 1, seed: 25 })).layoutDir,
    );
    await expect(
      writeOciArchive(one.image(), { repoTags: [], output: out('x.tar'), index: multi.index }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      writeOciArchive(one.image(), { repoTags: [], output: out('y.tar'), keepAllPlatforms: true }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
