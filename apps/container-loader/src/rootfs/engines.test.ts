import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cachedRootfs,
  DEVICE_ROOTS,
  type DeviceRoot,
  type DeviceSuite,
  type Dockerd,
  openDeviceRoot,
  type Registry,
  rootfsUnavailable,
  startDockerd,
  startRegistry,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureArchive, imageList, makeArchive } from '../test-support/archives.js';
import { BUNDLE, installLoader, packagePaths, runLoader } from './device-roots.js';

const unavailable = rootfsUnavailable();
if (unavailable) console.warn(`container-loader in Debian roots: skipped: ${unavailable}`);

const PKG = 'device-images';
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** The manifest the registry serves for `repository:tag`: its bytes' digest and the config it names. */
async function servedManifest(registry: Registry, repository: string, tag: string) {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    headers: { accept: MANIFEST_TYPES },
  });
  expect(response.status, `${repository}:${tag} in the registry`).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  const manifest = JSON.parse(body.toString('utf8')) as { config: { digest: string } };
  return {
    digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    config: manifest.config.digest,
  };
}

/**
 * The single-file loader on the devices it targets: Debian roots with the distro's own nodejs and zstd, run
 * under chroot as the boot service would, against a registry on loopback and the kit's dockerd (its socket
 * bind-mounted at /run/docker.sock, where the device's docker client looks).
 */
describe.skipIf(unavailable)('container-loader in Debian minbase roots', () => {
  let registry: Registry;
  let dockerd: Dockerd;

  beforeAll(async () => {
    if (!existsSync(BUNDLE))
      throw new Error(`${BUNDLE} is missing: run "pnpm build" (turbo runs it before tests)`);
    [registry, dockerd] = await Promise.all([startRegistry(), startDockerd()]);
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), dockerd?.stop()]);
  });

  describe.each(Object.keys(DEVICE_ROOTS) as DeviceSuite[])('%s', (suite) => {
    const distro = DEVICE_ROOTS[suite];
    const seed = suite === 'bookworm' ? 1500 : 1600;
    let root: DeviceRoot;
    let imagesDir: string;
    let oci: FixtureArchive;
    let docker: FixtureArchive;
    const paths = packagePaths(PKG);

    beforeAll(async () => {
      root = await openDeviceRoot(await cachedRootfs(distro));
      imagesDir = await installLoader(root, PKG);
      oci = await makeArchive({ registry, dir: imagesDir, format: 'oci', name: `isar/${suite}-oci:1`, seed });
      docker = await makeArchive({
        registry,
        dir: imagesDir,
        format: 'docker-archive',
        name: `isar/${suite}-docker:1`,
        seed: seed + 1,
      });
      // Cut short, as a copy interrupted by a power loss leaves it.
      const whole = await readFile(oci.path);
      await writeFile(join(imagesDir, 'broken.zst'), whole.subarray(0, Math.floor(whole.length * 0.6)));
      // Line 1 is a comment: the good archives are lines 2 and 4, the broken one line 3.
      await root.writeFile(
        paths.list,
        imageList([oci], [`broken.zst isar/${suite}-broken:1`, `${docker.file} ${docker.name}`]),
      );
      await root.bind(dockerd.host.replace(/^unix:\/\//, ''), '/run/docker.sock');
    }, 600_000);
    afterAll(async () => {
      await root?.cleanup();
    });

    const statuses = (run: Awaited<ReturnType<typeof runLoader>>) =>
      run.report?.results.map((r) => [r.line, r.status, r.code]);

    it("runs on the distro's own node, zstd and docker client", async () => {
      const node = await root.run('node', ['--version']);
      expect(node.stdout.trim()).toMatch(distro.node);
      const zstd = await root.run('zstd', ['--version']);
      const client = await root.run('docker', [
        'version',
        '--format',
        '{{.Client.Version}} / {{.Server.Version}}',
      ]);
      expect(client.code, client.stderr).toBe(0);
      console.info(
        `${suite}: node ${node.stdout.trim()}, ${zstd.stdout.trim()}, docker ${client.stdout.trim()}`,
      );
      const version = await runLoader(root, PKG, ['--version']);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it('--engine registry: both formats pushed (oci digest kept), the broken archive fails alone; then skipped', async () => {
      const args = [
        '--images-dir',
        paths.images,
        '--engine',
        'registry',
        '--registry-url',
        registry.url,
        '--json',
      ];
      const first = await runLoader(root, PKG, args);
      expect(first.code, first.stderr).toBe(1);
      expect(statuses(first), first.stderr).toEqual([
        [2, 'loaded', undefined],
        [3, 'failed', 'ARCHIVE_INVALID'],
        [4, 'loaded', undefined],
      ]);
      const [ociResult, , dockerResult] = first.report?.results ?? [];
      // The oci archive's manifest is pushed byte for byte: same digest in the registry as in the archive.
      const ociServed = await servedManifest(registry, `isar/${suite}-oci`, '1');
      expect(ociServed.digest).toBe(oci.manifestDigest);
      expect(ociResult?.images?.[0]?.digest).toBe(oci.manifestDigest);
      // docker-archive carries no manifest: a new one is written, around the archive's own config.
      const dockerServed = await servedManifest(registry, `isar/${suite}-docker`, '1');
      expect(dockerResult?.images?.[0]).toMatchObject({ digest: dockerServed.digest, newDigest: true });
      expect(dockerServed.config).toBe(docker.configDigest);

      const second = await runLoader(root, PKG, args);
      expect(second.code, second.stderr).toBe(1);
      expect(statuses(second), second.stderr).toEqual([
        [2, 'skipped', undefined],
        [3, 'failed', 'ARCHIVE_INVALID'],
        [4, 'skipped', undefined],
      ]);
    });

    it('--engine docker: both formats loaded and runnable, the broken archive fails alone; then skipped', async () => {
      const args = ['--images-dir', paths.images, '--engine', 'docker', '--json'];
      const first = await runLoader(root, PKG, args);
      expect(first.code, first.stderr).toBe(1);
      expect(statuses(first), first.stderr).toEqual([
        [2, 'loaded', undefined],
        [3, 'failed', 'ARCHIVE_INVALID'],
        [4, 'loaded', undefined],
      ]);
      for (const archive of [oci, docker]) {
        const id = await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', archive.name]);
        expect(id.stdout.trim(), id.stderr).toBe(archive.configDigest);
        const ran = await dockerd.docker([
          'run',
          '--rm',
          '--network',
          'none',
          archive.name,
          '/bin/busybox',
          'echo',
          `hi from ${suite}`,
        ]);
        expect(ran.code, ran.stderr).toBe(0);
        expect(ran.stdout).toBe(`hi from ${suite}\n`);
      }
      expect((await dockerd.docker(['image', 'inspect', `isar/${suite}-broken:1`])).code).not.toBe(0);

      const second = await runLoader(root, PKG, args);
      expect(statuses(second), second.stderr).toEqual([
        [2, 'skipped', undefined],
        [3, 'failed', 'ARCHIVE_INVALID'],
        [4, 'skipped', undefined],
      ]);
    });

    it('--delete-after-load removes exactly the archives whose image is confirmed, in docker and the registry', async () => {
      for (const engine of ['docker', 'registry'] as const) {
        const dir = `/var/lib/${engine}-delete/images`;
        const host = await root.hostPath(dir);
        await mkdir(host, { recursive: true });
        const fresh = await makeArchive({
          registry,
          dir: host,
          format: 'oci',
          name: `isar/${suite}-${engine}-delete:1`,
          seed: seed + (engine === 'docker' ? 10 : 11),
        });
        await writeFile(join(host, 'broken.zst'), (await readFile(fresh.path)).subarray(0, 2000));
        await root.writeFile(
          `/var/lib/${engine}-delete/image.list`,
          imageList([fresh], [`broken.zst isar/${suite}-${engine}-broken:1`]),
        );
        const engineArgs =
          engine === 'docker'
            ? ['--engine', 'docker']
            : ['--engine', 'registry', '--registry-url', registry.url];
        const run = await runLoader(root, PKG, [
          '--images-dir',
          dir,
          ...engineArgs,
          '--delete-after-load',
          '--json',
        ]);
        expect(run.code, run.stderr).toBe(1);
        expect(
          run.report?.results.map((r) => [r.status, r.deleted ?? false]),
          run.stderr,
        ).toEqual([
          ['loaded', true],
          ['failed', false],
        ]);
        expect(existsSync(fresh.path)).toBe(false);
        expect(existsSync(join(host, 'broken.zst'))).toBe(true);
      }
      // The first list was loaded without the flag: its archives are all still there.
      for (const archive of [oci, docker]) expect(existsSync(archive.path)).toBe(true);
    });
  });
});
