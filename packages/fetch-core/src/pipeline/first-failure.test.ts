import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  canMountTmpfs,
  type FaultProxy,
  faultProxy,
  mountSmallFilesystem,
  pushImage,
  type Registry,
  type SmallFilesystem,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchImage } from './fetch-image.js';

/**
 * Downloads and the archive writer run side by side; when one fails, the others are aborted. The fetch must
 * reject with the failure that came first, never with the abort it caused in its siblings.
 */
let registry: Registry;
let image: BuiltImage;
let work: TmpDir;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ seed: 95, layers: [0, 3_000_000, 2_000_000] });
  await pushImage(image, `${registry.host}/demo/first:1`);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('fetch-core-first-failure-');
});
afterEach(async () => {
  await work.cleanup();
});

const url = (host: string) => `docker://${host}/demo/first;tag=1;digest=${image.digest}`;
const isAbort = (error: unknown) =>
  (error as { name?: string }).name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR';

describe.skipIf(!canMountTmpfs())('the archive writer fails first', () => {
  let disk: SmallFilesystem;
  beforeEach(async () => {
    disk = await mountSmallFilesystem({ size: 512 * 1024 });
  });
  afterEach(async () => {
    await disk?.cleanup();
  });

  // Racy before: the abort of the downloads, or a stream's echo of the failure, often won.
  it.each([1, 2, 3])(
    'a full disk (run %i): the IO_ERROR of the write, not the abort of the downloads',
    async (_n) => {
      const error = await fetchImage(url(registry.host), {
        dlDir: join(disk.path, 'dl'),
        arch: 'amd64',
        blobCache: join(work.path, 'blobs'),
      }).catch((e: unknown) => e);
      expect(isAbort(error)).toBe(false);
      expect(error).toMatchObject({ name: 'ArchiveError', code: 'IO_ERROR' });
      expect((error as Error).message).toMatch(/ENOSPC|no space left/);
      expect((error as Error).cause).toMatchObject({ code: 'ENOSPC' });
      expect(await readdir(join(disk.path, 'dl', 'container-images', 'amd64'))).toEqual([]);
    },
  );
});

describe('a download fails first', () => {
  let proxy: FaultProxy;
  afterEach(async () => {
    await proxy?.stop();
  });

  it('a missing layer: its NOT_FOUND, not the abort of the other layer or of the writer', async () => {
    const missing = image.manifests[0]?.layers[2]?.digest as string;
    proxy = await faultProxy(registry.url, {
      kind: 'status',
      status: 404,
      match: (r) => r.method === 'GET' && r.path.endsWith(missing),
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await fetchImage(url(proxy.host), {
        dlDir: join(work.path, `dl-${attempt}`),
        arch: 'amd64',
      }).catch((e: unknown) => e);
      expect(isAbort(error)).toBe(false);
      expect(error).toMatchObject({ name: 'RegistryError', code: 'NOT_FOUND' });
    }
  });
});
