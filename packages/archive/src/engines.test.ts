/**
 * End to end with real consumers: a kit fixture (real amd64 busybox) pushed to a real registry, then our
 * archives compared with skopeo's and loaded into a private dockerd (and run) and podman.
 */
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  createPodman,
  type Dockerd,
  type Podman,
  pushImage,
  type Registry,
  skopeo,
  startDockerd,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerArchive } from './docker-archive/write-docker-archive.js';
import { writeOciArchive } from './oci-archive/write-oci-archive.js';
import { openArchiveTar } from './reader/open-archive-tar.js';
import { verifyArchive } from './reader/verify-archive.js';
import { type LayoutImage, openLayout } from './source/oci-layout.js';
import { readTarSummary } from './test-support/tar-contents.js';

let registry: Registry;
let dockerd: Dockerd;
let podman: Podman;
let work: TmpDir;
let built: BuiltImage;
let image: LayoutImage;
let registryRef: string;

beforeAll(async () => {
  [registry, dockerd, podman, work] = await Promise.all([
    startRegistry(),
    startDockerd(),
    createPodman(),
    tmpDir('archive-e2e-'),
  ]);
  built = await buildImage({ layers: 3, seed: 41 });
  registryRef = `${registry.host}/fixtures/busybox:1`;
  const pushed = await pushImage(built, registryRef);
  image = (await openLayout(built.layoutDir)).image();
  // The registry serves exactly the layout's manifest: ours and skopeo's start from the same image.
  expect(pushed.digest).toBe(image.descriptor.digest);
}, 240_000);

afterAll(async () => {
  await Promise.all([dockerd?.stop(), podman?.cleanup(), registry?.stop()]);
  await work?.cleanup();
});

const runEcho = (tag: string) =>
  dockerd.docker(['run', '--rm', '--network', 'none', tag, '/bin/busybox', 'echo', `hello from ${tag}`]);

describe('docker-archive', () => {
  it('matches skopeo copy docker://... docker-archive: entry for entry', async () => {
    const ours = join(work.path, 'ours.tar');
    await writeDockerArchive(image, { repoTags: [registryRef], output: ours });
    const theirs = join(work.path, 'skopeo.tar');
    await skopeo([
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${registryRef}`,
      `docker-archive:${theirs}:${registryRef}`,
    ]);
    const strip = (entries: Awaited<ReturnType<typeof readTarSummary>>) =>
      entries.map(({ name, type, size, sha256, linkname }) => ({ name, type, size, sha256, linkname }));
    const a = await readTarSummary(ours);
    const b = await readTarSummary(theirs);
    expect(strip(a)).toEqual(strip(b));
    const text = (entries: typeof a, name: string) => entries.find((e) => e.name === name)?.text;
    expect(text(a, 'manifest.json')).toBe(text(b, 'manifest.json'));
    expect(text(a, 'repositories')).toBe(text(b, 'repositories'));
    expect(JSON.parse(text(a, 'manifest.json') ?? '')[0].RepoTags).toEqual([registryRef]);
  });

  it('a .tar.zst loads into docker (decompressed on the way) and runs busybox', async () => {
    const file = join(work.path, 'docker.tar.zst');
    await writeDockerArchive(image, {
      repoTags: ['isar/docker-archive:1'],
      output: file,
      compression: { zstd: {} },
    });
    const report = await verifyArchive(file);
    expect(report.images[0]?.repoTags).toEqual(['docker.io/isar/docker-archive:1']);
    const { compression, tar } = await openArchiveTar(file);
    expect(compression).toBe('zstd');
    const load = await dockerd.docker(['load'], { input: tar });
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toContain('isar/docker-archive:1');
    const run = await runEcho('isar/docker-archive:1');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('hello from isar/docker-archive:1');
  });

  it('loads into podman', async () => {
    const file = join(work.path, 'podman.tar');
    await writeDockerArchive(image, { repoTags: ['isar/docker-archive:2'], output: file });
    const load = await podman.podman(['load', '-i', file]);
    expect(load.code, load.stderr).toBe(0);
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(images.stdout).toContain('docker.io/isar/docker-archive:2');
    expect(images.stdout).toContain(image.manifest.config.digest.slice(7, 19));
  });
});

describe('oci format', () => {
  let file: string;
  beforeAll(async () => {
    file = join(work.path, 'oci.tar');
    await writeOciArchive(image, { repoTags: ['isar/oci:1'], output: file });
  });

  it('skopeo inspect oci-archive: shows the registry manifest digest', async () => {
    const fromRegistry = JSON.parse(
      (await skopeo(['inspect', '--tls-verify=false', `docker://${registryRef}`])).stdout,
    ) as { Digest: string };
    const fromArchive = JSON.parse((await skopeo(['inspect', `oci-archive:${file}:1`])).stdout) as {
      Digest: string;
    };
    expect(fromArchive.Digest).toBe(fromRegistry.Digest);
  });

  it('docker load + docker run', async () => {
    const load = await dockerd.docker(['load', '-i', file]);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toContain('isar/oci:1');
    const run = await runEcho('isar/oci:1');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('hello from isar/oci:1');
  });

  it('a multi-platform archive (index and all platforms kept) loads the chosen platform into docker and podman', async () => {
    const multi = await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: 2, seed: 42 });
    const layout = await openLayout(multi.layoutDir);
    const all = join(work.path, 'multi.tar');
    await writeOciArchive(layout.image('linux/amd64'), {
      repoTags: ['isar/multi:1'],
      output: all,
      index: layout.index,
      keepAllPlatforms: true,
    });
    const load = await dockerd.docker(['load', '-i', all]);
    expect(load.code, load.stderr).toBe(0);
    const run = await runEcho('isar/multi:1');
    expect(run.stdout.trim()).toBe('hello from isar/multi:1');
    const podmanLoad = await podman.podman(['load', '-i', all]);
    expect(podmanLoad.code, podmanLoad.stderr).toBe(0);
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout).toContain('docker.io/isar/multi:1');
  });

  it('podman load', async () => {
    const load = await podman.podman(['load', '-i', file]);
    expect(load.code, load.stderr).toBe(0);
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout).toContain('docker.io/isar/oci:1');
  });
});
