import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPodman,
  PODMAN,
  type Podman,
  type Registry,
  runCommand,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../report/result.js';
import { type FixtureArchive, imageList, makeArchive } from '../test-support/archives.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'container-loader.js');

/**
 * A good archive cut short or damaged near its end (a copy interrupted, a flash page gone): every engine must
 * refuse it with its own line and go on with the next list line. Run as a process, as systemd does, because
 * the failure this guards against was the process ending with Node's exit 13 (a top-level await that never
 * settled): no line, no report, no summary, the rest of the list never tried.
 */
describe('a truncated or damaged archive fails alone, in every engine', () => {
  let registry: Registry;
  let podman: Podman;
  let work: TmpDir;
  let imagesDir: string;
  let tmp: string;
  let good: FixtureArchive;
  let dockerArchive: FixtureArchive;

  beforeAll(async () => {
    if (!existsSync(join(dirname(BIN), '..', 'dist', 'main.js'))) throw new Error('run "pnpm build" first');
    [registry, podman, work] = await Promise.all([
      startRegistry(),
      createPodman(),
      tmpDir('loader-truncated-'),
    ]);
    imagesDir = join(work.path, 'images');
    tmp = join(work.path, 'tmp');
    await Promise.all([mkdir(imagesDir), mkdir(tmp)]);
    const dir = imagesDir;
    good = await makeArchive({ registry, dir, format: 'oci', name: 'isar/good:1', seed: 781 });
    const oci = await makeArchive({ registry, dir, format: 'oci', name: 'isar/cut:1', seed: 782 });
    dockerArchive = await makeArchive({
      registry,
      dir,
      format: 'docker-archive',
      name: 'isar/cut:2',
      seed: 783,
    });
    for (const [from, to] of [
      [oci.path, 'cut-oci.zst'],
      [dockerArchive.path, 'cut-docker.zst'],
    ] as const) {
      const bytes = await readFile(from);
      await writeFile(join(imagesDir, to), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      // Damaged near its end: the zstd checksum or the last blob's digest catches it.
      const damaged = Buffer.from(bytes);
      const at = damaged.length - 40;
      damaged[at] = (damaged[at] ?? 0) ^ 0xff;
      await writeFile(join(imagesDir, `damaged-${to}`), damaged);
    }
    await writeFile(
      join(work.path, 'image.list'),
      imageList(
        [],
        [
          'cut-oci.zst isar/cut:1',
          'damaged-cut-oci.zst isar/cut:1',
          'cut-docker.zst isar/cut:2',
          'damaged-cut-docker.zst isar/cut:2',
          `${good.file} ${good.name}`,
        ],
      ),
    );
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), podman?.cleanup()]);
    await work?.cleanup();
  });

  const load = async (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const list = ['--images-dir', imagesDir, '--list', join(work.path, 'image.list'), '--json'];
    const run = await runCommand(process.execPath, [BIN, ...list, ...args], {
      env,
      signal: AbortSignal.timeout(60_000),
    });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as LoadReport;
    expect(report.results.map((r) => [r.line, r.status, r.code])).toEqual([
      [2, 'failed', 'ARCHIVE_INVALID'],
      [3, 'failed', 'ARCHIVE_INVALID'],
      [4, 'failed', 'ARCHIVE_INVALID'],
      [5, 'failed', 'ARCHIVE_INVALID'],
      [6, 'loaded', undefined],
    ]);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(
      lines.filter((line) => /^failed cut-.* refused, it failed verification: /.test(line)),
    ).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('failed '))).toHaveLength(4);
    expect(lines.at(-1)).toMatch(/^container-loader: 1 loaded, 0 skipped, 4 failed into /);
  };

  it('--engine registry: each refused with its line, the good image still pushed, nothing left in --tmp-dir', async () => {
    await load(['--engine', 'registry', '--registry-url', registry.url, '--tmp-dir', tmp]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('--engine podman: the same', async () => {
    await load(['--engine', 'podman'], { ...podman.env, CONTAINER_LOADER_PODMAN: PODMAN });
  });
});
