import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DOCKER,
  type Dockerd,
  type Registry,
  startDockerd,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureArchive, fetchWithIsarFetch, imageList, makeArchive } from '../test-support/archives.js';
import { runCli } from '../test-support/run-cli.js';

/** A copy of an archive with one byte flipped in the middle: zstd or the digests must catch it. */
async function corruptCopy(from: string, to: string): Promise<void> {
  const bytes = await readFile(from);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  await writeFile(to, bytes);
}

describe('container-loader CLI into a private dockerd (Isar layout: <pkg>/image.list + <pkg>/images/)', () => {
  let registry: Registry;
  let dockerd: Dockerd;
  let work: TmpDir;
  let imagesDir: string;
  let env: Record<string, string | undefined>;
  let a: FixtureArchive;
  let b: FixtureArchive;
  let c: FixtureArchive;

  beforeAll(async () => {
    [registry, dockerd, work] = await Promise.all([startRegistry(), startDockerd(), tmpDir('loader-cli-')]);
    imagesDir = join(work.path, 'pkg', 'images');
    await mkdir(imagesDir, { recursive: true });
    const dir = imagesDir;
    a = await makeArchive({ registry, dir, format: 'docker-archive', name: 'debian:bookworm', seed: 721 });
    b = await makeArchive({ registry, dir, format: 'oci', name: 'quay.io/libpod/alpine:3.10', seed: 722 });
    c = await makeArchive({ registry, dir, format: 'oci', name: 'isar/late:1', seed: 723 });
    await corruptCopy(a.path, join(imagesDir, 'corrupt:1.zst'));
    env = { ...dockerd.env, CONTAINER_LOADER_DOCKER: DOCKER };
  });
  afterAll(async () => {
    await Promise.all([dockerd?.stop(), registry?.stop()]);
    await work?.cleanup();
  });

  const has = async (image: string) => (await dockerd.docker(['image', 'inspect', image])).code === 0;

  it('loads what image.list names, fails a corrupt archive and a bad line alone, exits 1', async () => {
    await writeFile(
      join(work.path, 'pkg', 'image.list'),
      imageList([a, b], ['corrupt:1.zst isar/corrupt:1', 'this line is malformed', 'gone.zst isar/gone:1']),
    );
    const run = await runCli(['--images-dir', imagesDir, '--engine', 'docker'], env);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.lines).toHaveLength(6);
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        /^failed \/.*\/pkg\/image\.list \(line 5\): expected .*, found 4 fields: "this line is malformed" \[IMAGE_LIST\]$/,
      ),
    );
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        /^loaded debian:bookworm\.zst \(line 2\) into docker: debian:bookworm \(image sha256:/,
      ),
    );
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        /^loaded quay\.io\.libpod\.alpine:3\.10\.zst \(line 3\) into docker: quay\.io\/libpod\/alpine:3\.10 /,
      ),
    );
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        /^failed corrupt:1\.zst \(line 4\) \(docker\.io\/isar\/corrupt:1\): archive .* refused, it failed verification: .*\[ARCHIVE_INVALID\]$/,
      ),
    );
    expect(run.lines).toContainEqual(
      expect.stringMatching(/^failed gone\.zst \(line 6\) .*does not exist \[ARCHIVE_MISSING\]$/),
    );
    expect(run.lines.at(-1)).toBe(
      `container-loader: 2 loaded, 0 skipped, 3 failed into docker from list:${join(work.path, 'pkg', 'image.list')}`,
    );
    expect(await has('isar/corrupt:1')).toBe(false);
    const echo = await dockerd.docker([
      'run',
      '--rm',
      '--network',
      'none',
      'debian:bookworm',
      '/bin/busybox',
      'echo',
      'booted',
    ]);
    expect(echo.stdout.trim()).toBe('booted');
  });

  it('a second run skips everything already there, without reading those archives', async () => {
    await writeFile(join(work.path, 'pkg', 'image.list'), imageList([a, b]));
    const run = await runCli(['--images-dir', imagesDir, '--engine', 'docker', '--json'], env);
    expect(run.code).toBe(0);
    expect(run.report?.summary).toEqual({ loaded: 0, skipped: 2, failed: 0 });
    expect(run.report?.results.map((r) => [r.status, r.names, r.images?.[0]?.digest])).toEqual([
      ['skipped', ['docker.io/library/debian:bookworm'], a.configDigest],
      ['skipped', ['quay.io/libpod/alpine:3.10'], b.configDigest],
    ]);
    expect(run.lines[0]).toMatch(
      /^skipped debian:bookworm\.zst \(line 2\): already in docker as debian:bookworm/,
    );
  });

  it('--force loads again', async () => {
    await writeFile(join(work.path, 'pkg', 'image.list'), imageList([a]));
    const run = await runCli(['--images-dir', imagesDir, '--engine', 'docker', '--force', '--json'], env);
    expect(run.code).toBe(0);
    expect(run.report?.summary).toEqual({ loaded: 1, skipped: 0, failed: 0 });
  });

  it('--delete-after-load deletes only archives it loaded and confirmed; a later run converges', async () => {
    await writeFile(
      join(work.path, 'pkg', 'image.list'),
      imageList([a, b, c], ['corrupt:1.zst isar/corrupt:1']),
    );
    const args = ['--images-dir', imagesDir, '--engine', 'docker', '--delete-after-load', '--json'];
    const run = await runCli(args, env);
    expect(run.code).toBe(1);
    expect(run.report?.results.map((r) => [r.file, r.status, r.deleted ?? false])).toEqual([
      [a.file, 'skipped', false],
      [b.file, 'skipped', false],
      [c.file, 'loaded', true],
      ['corrupt:1.zst', 'failed', false],
    ]);
    expect([existsSync(a.path), existsSync(b.path), existsSync(c.path)]).toEqual([true, true, false]);
    expect(existsSync(join(imagesDir, 'corrupt:1.zst'))).toBe(true);
    expect(await has('isar/late:1')).toBe(true);
    // The archive is gone but its image is in place: skipped, not "missing".
    const again = await runCli(args, env);
    expect(again.report?.results[2]).toMatchObject({ file: c.file, status: 'skipped' });
  });

  it('settings come from a config file (as the systemd unit passes it); flags override it', async () => {
    const conf = join(work.path, 'container-loader.conf');
    await writeFile(
      conf,
      [
        '# /etc/container-loader.conf',
        'CONTAINER_ENGINE=podman',
        `IMAGES_DIR="${imagesDir}"`,
        'DELETE_AFTER_LOAD=no',
        // Not a setting: handed to the engine, as systemd's EnvironmentFile= would.
        `CONTAINER_LOADER_DOCKER=${DOCKER}`,
        '',
      ].join('\n'),
    );
    await writeFile(join(work.path, 'pkg', 'image.list'), imageList([a]));
    const { CONTAINER_LOADER_DOCKER: _, ...withoutBinary } = env;
    const run = await runCli(['--config', conf, '--engine', 'docker', '--json'], withoutBinary);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.engine).toBe('docker');
    expect(run.report?.summary.skipped).toBe(1);
  });

  it('archives from isar-fetch (fetch + unpack, both formats) load and run', async () => {
    const dir = join(work.path, 'fetched', 'images');
    await mkdir(dir, { recursive: true });
    const fetched = [
      await fetchWithIsarFetch({
        registry,
        dir,
        format: 'docker-archive',
        seed: 724,
        repository: 'isar/fetched-docker',
        tag: '1',
      }),
      await fetchWithIsarFetch({
        registry,
        dir,
        format: 'oci',
        seed: 725,
        repository: 'isar/fetched-oci',
        tag: '1',
      }),
    ];
    // Isar's layout: the list next to the images directory.
    await writeFile(join(work.path, 'fetched', 'image.list'), imageList(fetched));
    const run = await runCli(['--images-dir', dir, '--engine', 'docker', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.results.map((r) => [r.file, r.status, r.images?.[0]?.digest])).toEqual(
      fetched.map((f) => [f.file, 'loaded', f.configDigest]),
    );
    for (const { name } of fetched) {
      const echo = await dockerd.docker([
        'run',
        '--rm',
        '--network',
        'none',
        name,
        '/bin/busybox',
        'echo',
        name,
      ]);
      expect(echo.stdout.trim(), echo.stderr).toBe(name);
    }
  });

  it('bad usage exits 2 without touching anything', async () => {
    for (const args of [
      ['--engine', 'docker'],
      ['--images-dir', imagesDir, '--engine', 'rkt'],
      ['--images-dir', imagesDir, '--engine', 'docker', '--bogus'],
      ['--images-dir', join(work.path, 'nope'), '--engine', 'docker'],
      ['--images-dir', imagesDir, '--engine', 'docker', '--list', join(work.path, 'nope.list')],
      ['--config', join(work.path, 'nope.conf')],
    ]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^container-loader: /);
    }
  });
});
