import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  type FaultMatchRequest,
  type FaultPlan,
  type FaultProxy,
  faultProxy,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * The writer reads a gzip layer's last 4 bytes with a Range request while the layer still downloads. Whatever
 * answers that request (a 404 for a missing layer, a 200 from a server that ignores Range) must end in a normal
 * result or one error line: never a Node stack trace, never a temp archive or a lock left behind.
 */
let registry: Registry;
let image: BuiltImage;
let work: TmpDir;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ seed: 91, layers: [0, 2_000_000] });
  await pushImage(image, `${registry.host}/demo/tail:1`);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('isar-fetch-tail-');
});
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await work.cleanup();
});

const layers = () => image.manifests[0]?.layers ?? [];
const isLayerGet = (r: FaultMatchRequest) =>
  r.method === 'GET' && layers().some((layer) => r.path.endsWith(`/blobs/${layer.digest}`));
const isTail = (r: FaultMatchRequest) => isLayerGet(r) && typeof r.headers.range === 'string';

async function fetchThrough(plan: FaultPlan[]) {
  proxy = await faultProxy(registry.url, plan);
  const dlDir = join(work.path, 'dl');
  const run = await cli([
    'fetch',
    `docker://${proxy.host}/demo/tail;tag=1;digest=${image.digest}`,
    '--dl-dir',
    dlDir,
    '--arch',
    'amd64',
    '--quiet',
  ]);
  const left = await readdir(join(dlDir, 'container-images', 'amd64')).catch(() => []);
  return { run, left };
}

describe('the ranged read of a layer tail gets something else than 206', () => {
  it('a missing layer (404 for every GET of it): one NOT_FOUND line, exit 1, nothing left behind', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { run, left } = await fetchThrough([{ kind: 'status', status: 404, match: isLayerGet }]);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain('Unhandled');
      expect(run.code).toBe(1);
      expect(run.lines).toHaveLength(1);
      expect(run.lines[0]).toMatch(/^isar-fetch: .*BLOB_UNKNOWN/);
      expect(left).toEqual([]);
      await proxy?.stop();
      proxy = undefined;
    }
  });

  it('a server that ignores Range (200 with the whole blob): the archive is written', async () => {
    const { run, left } = await fetchThrough([
      { kind: 'drop-request-header', header: 'range', match: isTail },
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(left.filter((name) => name.startsWith('.'))).toEqual([]);
    expect(left.some((name) => name.endsWith('.zst'))).toBe(true);
    expect(proxy?.requests.some((r) => r.fault === 'drop-request-header')).toBe(true);
  });
});
