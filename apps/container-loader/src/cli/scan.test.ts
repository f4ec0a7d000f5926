import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPodman,
  PODMAN,
  type Podman,
  type Registry,
  runChecked,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureArchive, makeArchive } from '../test-support/archives.js';
import { runCli } from '../test-support/run-cli.js';

/**
 * A hostile archive: a manifest.json that looks right and an entry climbing out of the extraction root.
 * Written with Python's tarfile because GNU tar strips `../` when creating (this is fault injection).
 */
async function writeHostileTar(path: string): Promise<void> {
  const script = [
    'import io, json, sys, tarfile',
    'def add(t, name, data):',
    '    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))',
    'with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:',
    '    add(t, "manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["isar/evil:1"], "Layers": ["../../evil.tar"]}]).encode())',
    '    add(t, "../../evil.tar", b"x" * 1024)',
  ].join('\n');
  await runChecked('python3', ['-c', script, path]);
}

describe('scan of an images directory (no image.list): names from the archives', () => {
  let registry: Registry;
  let podman: Podman;
  let work: TmpDir;
  let oci: FixtureArchive;
  let docker: FixtureArchive;

  beforeAll(async () => {
    [registry, podman, work] = await Promise.all([startRegistry(), createPodman(), tmpDir('loader-scan-')]);
    const dir = work.path;
    oci = await makeArchive({ registry, dir, format: 'oci', name: 'quay.io/libpod/alpine:3.10', seed: 731 });
    docker = await makeArchive({
      registry,
      dir,
      format: 'docker-archive',
      name: 'debian:bookworm',
      seed: 732,
    });
    await writeHostileTar(join(dir, 'evil.tar'));
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), podman?.cleanup()]);
    await work?.cleanup();
  });

  it('registry: pushes every archive found, keeps the oci digest, refuses the hostile tar; then skips', async () => {
    const args = [
      '--images-dir',
      work.path,
      '--engine',
      'registry',
      '--registry-url',
      registry.url,
      '--json',
    ];
    const run = await runCli(args, process.env);
    expect(run.code, run.stderr).toBe(1);
    const byFile = Object.fromEntries(run.report?.results.map((r) => [r.file, r]) ?? []);
    expect(byFile['evil.tar']).toMatchObject({ status: 'failed', code: 'ARCHIVE_INVALID' });
    expect(byFile['evil.tar']?.reason).toMatch(/\.\./);
    expect(byFile[oci.file]).toMatchObject({
      status: 'loaded',
      images: [{ target: `${registry.host}/libpod/alpine:3.10`, digest: oci.manifestDigest }],
    });
    expect(byFile[docker.file]).toMatchObject({
      status: 'loaded',
      images: [{ target: `${registry.host}/library/debian:bookworm`, newDigest: true }],
    });
    expect(run.lines).toContainEqual(expect.stringMatching(/new digest: layers compressed for the registry/));
    const { stdout } = await runChecked('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/libpod/alpine:3.10`,
    ]);
    expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(oci.manifestDigest);
    expect(existsSync(join('/', 'evil.tar'))).toBe(false);

    const again = await runCli(args, process.env);
    expect(again.report?.summary).toEqual({ loaded: 0, skipped: 2, failed: 1 });
  });

  it('podman: loads every archive found; podman images shows them', async () => {
    const env = { ...podman.env, CONTAINER_LOADER_PODMAN: PODMAN };
    const run = await runCli(['--images-dir', work.path, '--engine', 'podman'], env);
    expect(run.code).toBe(1);
    expect(run.lines.at(-1)).toMatch(
      /^container-loader: 2 loaded, 0 skipped, 1 failed into podman from scan:/,
    );
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout.split('\n')).toEqual(
      expect.arrayContaining(['docker.io/library/debian:bookworm', 'quay.io/libpod/alpine:3.10']),
    );
  });
});
