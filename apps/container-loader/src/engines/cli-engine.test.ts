import {
  createPodman,
  DOCKER,
  type Dockerd,
  PODMAN,
  type Podman,
  type Registry,
  startDockerd,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImages } from '../archive/image-plan.js';
import { parseImageName } from '../inputs/image-name.js';
import { type FixtureArchive, makeArchive } from '../test-support/archives.js';
import { CliEngine } from './cli-engine.js';

/** Loads an archive the way the loader does: verify, plan the names, load, confirm. */
async function loadInto(engine: CliEngine, archive: FixtureArchive, listName = archive.name) {
  const prepared = await engine.prepare(archive.path);
  try {
    return await engine.load(prepared, planImages(prepared.contents, parseImageName(listName)));
  } finally {
    await prepared.dispose();
  }
}

describe('docker and podman engines load both archive formats', () => {
  let registry: Registry;
  let dockerd: Dockerd;
  let podman: Podman;
  let work: TmpDir;
  let docker: FixtureArchive;
  let oci: FixtureArchive;

  beforeAll(async () => {
    [registry, dockerd, podman, work] = await Promise.all([
      startRegistry(),
      startDockerd(),
      createPodman(),
      tmpDir('loader-engines-'),
    ]);
    docker = await makeArchive({
      registry,
      dir: work.path,
      format: 'docker-archive',
      name: 'debian:bookworm',
      seed: 711,
    });
    oci = await makeArchive({
      registry,
      dir: work.path,
      format: 'oci',
      name: 'quay.io/libpod/alpine:3.10',
      seed: 712,
    });
  });
  afterAll(async () => {
    await Promise.all([dockerd?.stop(), podman?.cleanup(), registry?.stop()]);
    await work?.cleanup();
  });

  const dockerEngine = () => new CliEngine('docker', { ...dockerd.env, CONTAINER_LOADER_DOCKER: DOCKER });
  const podmanEngine = () => new CliEngine('podman', { ...podman.env, CONTAINER_LOADER_PODMAN: PODMAN });

  it('docker: loads a docker-archive and an oci archive, which then run', async () => {
    const engine = dockerEngine();
    await engine.probe();
    expect(await engine.lookup(parseImageName('debian:bookworm'))).toBeUndefined();
    expect(await loadInto(engine, docker)).toEqual([
      { name: 'docker.io/library/debian:bookworm', target: 'debian:bookworm', digest: docker.configDigest },
    ]);
    expect(await loadInto(engine, oci)).toEqual([
      { name: 'quay.io/libpod/alpine:3.10', target: 'quay.io/libpod/alpine:3.10', digest: oci.configDigest },
    ]);
    // docker normalises docker.io/library/debian to debian: both spellings find it.
    expect(await engine.lookup(parseImageName('docker.io/library/debian:bookworm'))).toBe(
      docker.configDigest,
    );
    for (const image of ['debian:bookworm', 'quay.io/libpod/alpine:3.10']) {
      const run = await dockerd.docker([
        'run',
        '--rm',
        '--network',
        'none',
        image,
        '/bin/busybox',
        'echo',
        `hi ${image}`,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe(`hi ${image}`);
    }
  });

  it('docker: a list name the archive does not carry is tagged onto its image', async () => {
    const engine = dockerEngine();
    const [loaded] = await loadInto(engine, docker, 'isar/renamed:v1');
    expect(loaded).toMatchObject({ target: 'isar/renamed:v1', digest: docker.configDigest });
    const inspect = await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', 'isar/renamed:v1']);
    expect(inspect.stdout.trim()).toBe(docker.configDigest);
  });

  it('podman: loads both formats under fully qualified names', async () => {
    const engine = podmanEngine();
    await engine.probe();
    expect(await engine.lookup(parseImageName('debian:bookworm'))).toBeUndefined();
    expect(await loadInto(engine, docker)).toEqual([
      {
        name: 'docker.io/library/debian:bookworm',
        target: 'docker.io/library/debian:bookworm',
        digest: docker.configDigest,
      },
    ]);
    await loadInto(engine, oci);
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(images.code, images.stderr).toBe(0);
    const lines = images.stdout.trim().split('\n');
    expect(lines).toContain(`docker.io/library/debian:bookworm ${docker.configDigest.slice(7, 19)}`);
    expect(lines).toContain(`quay.io/libpod/alpine:3.10 ${oci.configDigest.slice(7, 19)}`);
  });

  it('a missing engine binary is ENGINE_UNAVAILABLE', async () => {
    const engine = new CliEngine('docker', {
      ...process.env,
      CONTAINER_LOADER_DOCKER: '/nonexistent/docker',
    });
    await expect(engine.probe()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('an unreachable docker daemon is ENGINE_UNAVAILABLE, not "image missing"', async () => {
    const engine = new CliEngine('docker', {
      ...process.env,
      CONTAINER_LOADER_DOCKER: DOCKER,
      DOCKER_HOST: `unix://${work.path}/no-such.sock`,
    });
    await expect(engine.probe()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await expect(engine.lookup(parseImageName('debian:bookworm'))).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
    });
  });
});
