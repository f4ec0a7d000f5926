import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  canMountTmpfs,
  type HostileRegistry,
  mountSmallFilesystem,
  pushImage,
  type Registry,
  type SmallFilesystem,
  sha256Digest,
  startHostileRegistry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * A fetch that fails is reported by its first real error, with that error's code and exit status: never as the
 * abort the failure caused in the work running beside it (exit 130 and ABORT_ERR mean Ctrl-C to bitbake and CI).
 */
let work: TmpDir;
beforeEach(async () => {
  work = await tmpDir('isar-fetch-first-error-');
});
afterEach(async () => {
  await work.cleanup();
});

interface JsonError {
  error: { code: string; message: string; exitCode: number };
}

async function fetchJson(url: string, dlDir: string, extra: string[] = []) {
  const run = await cli(['fetch', url, '--dl-dir', dlDir, '--arch', 'amd64', '--json', '--quiet', ...extra]);
  const parsed = run.stdout ? (JSON.parse(run.stdout) as JsonError) : undefined;
  return { run, error: parsed?.error };
}

function expectNotAnAbort(
  run: { code: number | null; stderr: string },
  error: JsonError['error'] | undefined,
) {
  expect(run.code).toBe(1);
  expect(error?.exitCode).toBe(1);
  expect(error?.code).not.toMatch(/ABORT/);
  expect(run.stderr).not.toContain('operation was aborted');
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe.skipIf(!canMountTmpfs())('a full disk while the archive is written', () => {
  let registry: Registry;
  let image: BuiltImage;
  let disk: SmallFilesystem;
  beforeAll(async () => {
    registry = await startRegistry();
    // The interrupt tests' image (cached): its archive is several MiB.
    image = await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: [0, 12_000_000] });
    await pushImage(image, `${registry.host}/demo/big:1`);
    disk = await mountSmallFilesystem({ size: 2 * 1024 * 1024 });
  });
  afterAll(async () => {
    await disk?.cleanup();
    await registry?.stop();
  });

  it('says ENOSPC with exit 1, and leaves no temp archive', async () => {
    const url = `docker://${registry.host}/demo/big;tag=1;digest=${image.digest}`;
    // The blobs go elsewhere: only the archive is written to the full disk.
    const { run, error } = await fetchJson(url, join(disk.path, 'dl'), [
      '--blob-cache-dir',
      join(work.path, 'blobs'),
    ]);
    expectNotAnAbort(run, error);
    expect(error?.code).toBe('IO_ERROR');
    expect(error?.message).toMatch(/no space left on device|ENOSPC/i);
    const left = await readdir(join(disk.path, 'dl', 'container-images', 'amd64'));
    expect(left.filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});

describe('hand-made images a real registry would not store', () => {
  let image: BuiltImage;
  let hostile: HostileRegistry;
  beforeAll(async () => {
    image = await buildImage({ seed: 93, layers: [0, 1_500_000] });
  });
  beforeEach(async () => {
    hostile = await startHostileRegistry();
    await hostile.addImage('demo/app', 'good', image);
  });
  afterEach(async () => {
    await hostile?.stop();
  });

  async function manifestAndConfig() {
    const blobs = join(image.layoutDir, 'blobs', 'sha256');
    const manifest = JSON.parse(await readFile(join(blobs, image.digest.slice(7)), 'utf8'));
    const config = JSON.parse(await readFile(join(blobs, manifest.config.digest.slice(7)), 'utf8'));
    return { manifest, config };
  }

  it('a config whose diff_ids do not match the layers: DIFF_ID_MISMATCH, exit 1', async () => {
    const { manifest, config } = await manifestAndConfig();
    config.rootfs.diff_ids[1] = sha256Digest('not this layer');
    const configBytes = JSON.stringify(config);
    manifest.config = {
      ...manifest.config,
      digest: hostile.addBlob('demo/app', configBytes),
      size: configBytes.length,
    };
    const digest = hostile.addManifest('demo/app', 'bad', manifest, image.mediaType);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { run, error } = await fetchJson(
        `docker://${hostile.host}/demo/app;tag=bad;digest=${digest}`,
        join(work.path, `dl-${attempt}`),
      );
      expectNotAnAbort(run, error);
      expect(error?.code).toBe('DIFF_ID_MISMATCH');
    }
  });

  it.each([
    ['2^62', 2 ** 62],
    ['1e300', 1e300],
  ])('a layer size of %s: refused as a protocol error, exit 1', async (_name, size) => {
    const { manifest } = await manifestAndConfig();
    manifest.layers[1].size = size;
    const digest = hostile.addManifest('demo/app', 'bad', manifest, image.mediaType);
    const { run, error } = await fetchJson(
      `docker://${hostile.host}/demo/app;tag=bad;digest=${digest}`,
      join(work.path, 'dl'),
    );
    expectNotAnAbort(run, error);
    expect(error?.code).toBe('PROTOCOL');
    expect(error?.message).toContain('invalid size');
  });
});
