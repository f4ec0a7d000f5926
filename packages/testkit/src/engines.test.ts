import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dockerd, startDockerd } from './dockerd.js';
import { buildImage } from './image-builder.js';
import { mountsBelow } from './mounts.js';
import { createPodman, type Podman } from './podman.js';
import { type Registry, startRegistry } from './registry.js';
import { pushImage, skopeo } from './skopeo.js';
import { type TmpDir, tmpDir } from './tmp-dir.js';

describe('docker and podman load a skopeo docker-archive of the busybox fixture', () => {
  let registry: Registry;
  let dockerd: Dockerd;
  let podman: Podman;
  let work: TmpDir;
  let archive: string;
  beforeAll(async () => {
    [registry, dockerd, podman, work] = await Promise.all([
      startRegistry(),
      startDockerd(),
      createPodman(),
      tmpDir(),
    ]);
    const image = await buildImage({ seed: 61 });
    await pushImage(image, `${registry.host}/fixtures/busybox:amd64`);
    archive = join(work.path, 'busybox.tar');
    await skopeo([
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${registry.host}/fixtures/busybox:amd64`,
      `docker-archive:${archive}:isar/busybox:fixture`,
    ]);
  });
  afterAll(async () => {
    await Promise.all([dockerd?.stop(), podman?.cleanup(), registry?.stop()]);
    await work?.cleanup();
  });

  it('docker load + docker run --network none prints from the real busybox', async () => {
    expect(dockerd.host).toMatch(/^unix:\/\/\/tmp\//);
    const load = await dockerd.docker(['load', '-i', archive]);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toContain('isar/busybox:fixture');
    const run = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      'isar/busybox:fixture',
      '/bin/busybox',
      'echo',
      'hi from busybox',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('hi from busybox');
    // the image's default Cmd and the /bin/sh symlink work too
    const cmd = await dockerd.docker(['run', '--rm', '--network', 'none', 'isar/busybox:fixture']);
    expect(cmd.stdout.trim()).toBe('isar-testkit linux/amd64');
    const sh = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      'isar/busybox:fixture',
      'sh',
      '-c',
      'echo $((6*7))',
    ]);
    expect(sh.stdout.trim()).toBe('42');
  });

  it('docker load also takes the archive on stdin', async () => {
    const { createReadStream } = await import('node:fs');
    const load = await dockerd.docker(['load'], { input: createReadStream(archive) });
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toContain('isar/busybox:fixture');
  });

  it('podman load then podman images lists it, in the private store only', async () => {
    const load = await podman.podman(['load', '-i', archive]);
    expect(load.code, load.stderr).toBe(0);
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout.split('\n')).toContain('docker.io/isar/busybox:fixture');
    // a plain `podman` with the kit's env sees the same store
    const { runCommand } = await import('./run-command.js');
    const plain = await runCommand('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}'], {
      env: podman.env,
    });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.split('\n')).toContain('docker.io/isar/busybox:fixture');
    expect(existsSync(podman.root)).toBe(true);
  });

  it('stop() leaves no dockerd, containerd or mounts behind', async () => {
    const extra = await startDockerd();
    const pid = Number(
      (await import('node:fs')).readFileSync(join(extra.dataRoot, '..', 'docker.pid'), 'utf8'),
    );
    expect(pid).toBeGreaterThan(0);
    await extra.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(extra.dataRoot)).toBe(false);
    expect(mountsBelow([extra.dataRoot])).toEqual([]);
  });
});
