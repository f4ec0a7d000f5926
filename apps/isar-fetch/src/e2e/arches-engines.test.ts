import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  createPodman,
  type Dockerd,
  type Podman,
  pushImage,
  type Registry,
  runChecked,
  skopeo,
  startDockerd,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * The proof of the product: every arch of a multi-arch image fetched by the built bin, unpacked, verified,
 * and loaded by the real engines (docker runs the amd64 one); our docker-archive holds what skopeo's holds.
 */
let registry: Registry;
let image: BuiltImage;
let repo: string;
let work: TmpDir;
let dockerd: Dockerd;
let podman: Podman;

const ARCHES = [
  ['amd64', 'linux/amd64'],
  ['arm64', 'linux/arm64'],
  ['armhf', 'linux/arm/v7'],
  ['armel', 'linux/arm/v5'],
  ['i386', 'linux/386'],
] as const;

beforeAll(async () => {
  [registry, work] = await Promise.all([startRegistry(), tmpDir('isar-fetch-e2e-')]);
  image = await buildImage({ platforms: ARCHES.map(([, p]) => p), layers: [0, 1_500_000] });
  repo = `${registry.host}/demo/busybox`;
  await pushImage(image, `${repo}:1.36`);
  [dockerd, podman] = await Promise.all([startDockerd(), createPodman()]);
});
afterAll(async () => {
  await dockerd?.stop();
  await podman?.cleanup();
  await registry?.stop();
  await work?.cleanup();
});

/** `zstd -dc <file>` as a stream, the way Isar's loader feeds `<engine> load`. */
function decompressed(file: string): NodeJS.ReadableStream {
  const child = spawn('zstd', ['-q', '-d', '-c', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  return child.stdout;
}

describe('every architecture of a multi-arch image', () => {
  const url = () => `docker://${repo};tag=1.36`;
  const dlDir = () => join(work.path, 'downloads');

  it.each(ARCHES)('%s: fetch, unpack, verify, podman load', async (arch, platform) => {
    const fetched = await cli(['fetch', url(), '--dl-dir', dlDir(), '--arch', arch, '--json', '--quiet']);
    expect(fetched.code, fetched.stderr).toBe(0);
    const result = JSON.parse(fetched.stdout);
    expect(result.platform).toBe(platform);
    expect(result.manifestDigest).toBe(image.manifests.find((m) => m.platform === platform)?.digest);
    const local = await cli(['localpath', url(), '--arch', arch]);
    expect(result.path).toBe(join(dlDir(), local.stdout.trim()));

    const workdir = join(work.path, 'workdir', arch);
    const unpacked = await cli(['unpack', url(), '--dl-dir', dlDir(), '--arch', arch, '--workdir', workdir]);
    expect(unpacked.code, unpacked.stderr).toBe(0);
    const file = unpacked.stdout.trim();
    expect(file).toBe(join(workdir, `${repo.replaceAll('/', '.')}:1.36.zst`));
    expect((await stat(file)).ino).toBe((await stat(result.path)).ino);

    const verified = await cli(['verify', file]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`${repo}:1.36 ${platform}: 2 layers`);

    const loaded = await podman.podman(['load'], { input: decompressed(file) });
    expect(loaded.code, loaded.stderr).toBe(0);
    const images = await podman.podman(['image', 'inspect', '--format', '{{.Architecture}}', `${repo}:1.36`]);
    expect(images.stdout.trim()).toBe(platform.split('/')[1]);
    await podman.podman(['rmi', `${repo}:1.36`]);
  });

  it('amd64: docker load, then docker run prints from the real busybox', async () => {
    const fetched = await cli(['fetch', url(), '--dl-dir', dlDir(), '--arch', 'amd64', '--quiet']);
    expect(fetched.code, fetched.stderr).toBe(0);
    const loaded = await dockerd.docker(['load'], { input: decompressed(fetched.stdout.trim()) });
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(`Loaded image: ${repo}:1.36`);
    const ran = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      `${repo}:1.36`,
      '/bin/busybox',
      'echo',
      'hello from isar-fetch',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe('hello from isar-fetch');
  });

  it('the oci format loads into docker and podman too', async () => {
    const dl = join(work.path, 'downloads-oci');
    const fetched = await cli([
      'fetch',
      url(),
      '--dl-dir',
      dl,
      '--arch',
      'amd64',
      '--format',
      'oci',
      '--quiet',
    ]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const file = fetched.stdout.trim();
    const docker = await dockerd.docker(['load'], { input: decompressed(file) });
    expect(docker.code, docker.stderr).toBe(0);
    const ran = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      `${repo}:1.36`,
      '/bin/busybox',
      'true',
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const loaded = await podman.podman(['load'], { input: decompressed(file) });
    expect(loaded.code, loaded.stderr).toBe(0);
  });
});

describe('equivalence with skopeo', () => {
  /** Unpacks a tar and returns, per entry, sha256 of its bytes (or the link target). */
  async function entries(tar: string, into: string, compressed: boolean): Promise<Map<string, string>> {
    await mkdir(into, { recursive: true });
    await runChecked('tar', ['-x', ...(compressed ? ['--zstd'] : []), '-f', tar, '-C', into]);
    const found = new Map<string, string>();
    const walk = async (dir: string, prefix: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const rel = `${prefix}${entry.name}`;
        if (entry.isDirectory()) await walk(join(dir, entry.name), `${rel}/`);
        else if (entry.isSymbolicLink()) found.set(rel, 'symlink');
        else
          found.set(
            rel,
            createHash('sha256')
              .update(await readFile(join(dir, entry.name)))
              .digest('hex'),
          );
      }
    };
    await walk(into, '');
    return found;
  }

  it('our docker-archive holds the same config, layers, manifest.json and repositories as skopeo', async () => {
    const ours = await cli([
      'fetch',
      `docker://${repo};tag=1.36`,
      '--dl-dir',
      join(work.path, 'downloads'),
      '--arch',
      'arm64',
      '--quiet',
    ]);
    expect(ours.code, ours.stderr).toBe(0);
    const theirs = join(work.path, 'skopeo.tar');
    await skopeo([
      'copy',
      '-q',
      '--src-tls-verify=false',
      '--override-arch',
      'arm64',
      `docker://${repo}:1.36`,
      `docker-archive:${theirs}:${repo}:1.36`,
    ]);
    const a = await entries(ours.stdout.trim(), join(work.path, 'x-ours'), true);
    const b = await entries(theirs, join(work.path, 'x-skopeo'), false);
    const manifest = async (dir: string) =>
      JSON.parse(await readFile(join(work.path, dir, 'manifest.json'), 'utf8'));
    const ourManifest = await manifest('x-ours');
    expect(ourManifest).toEqual(await manifest('x-skopeo'));
    const repositories = async (dir: string) =>
      JSON.parse(await readFile(join(work.path, dir, 'repositories'), 'utf8'));
    expect(await repositories('x-ours')).toEqual(await repositories('x-skopeo'));
    // Config bytes and every layer tar, byte for byte; and the same set of entries.
    for (const name of [ourManifest[0].Config, ...ourManifest[0].Layers]) {
      expect(a.get(name), name).toBeDefined();
      expect(a.get(name), name).toBe(b.get(name));
    }
    const arm64 = image.manifests.find((m) => m.platform === 'linux/arm64');
    expect(ourManifest[0].Layers).toEqual(arm64?.layers.map((l) => `${l.diffId.slice(7)}.tar`));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  });
});
