import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  type FaultMatchRequest,
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
 * A registry that stalls inside a blob body: cut after `--idle-timeout`, resumed, and given up once no new byte
 * came for twice that long (it took six 60 s idle timeouts, 365 s, before).
 */
let registry: Registry;
let image: BuiltImage;
let work: TmpDir;
let proxy: FaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ seed: 97, layers: [0, 1_000_000] });
  await pushImage(image, `${registry.host}/demo/stall:1`);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('isar-fetch-stall-');
});
afterEach(async () => {
  await proxy?.stop();
  await work.cleanup();
});

describe('--idle-timeout against a stalling registry', () => {
  it('fails with NETWORK "no progress" after about twice the idle timeout, exit 1', async () => {
    const big = image.manifests[0]?.layers.reduce((a, b) => (b.size > a.size ? b : a));
    const isBig = (r: FaultMatchRequest) => r.method === 'GET' && r.path.endsWith(big?.digest ?? '-');
    const isTail = (r: FaultMatchRequest) => r.headers.range === `bytes=${(big?.size ?? 0) - 4}-`;
    proxy = await faultProxy(registry.url, [
      // The download's first answer stops after 200 kB, every resume before its first byte.
      { kind: 'stall-after-bytes', bytes: 200_000, times: 1, match: (r) => isBig(r) && !r.headers.range },
      { kind: 'stall-after-bytes', bytes: 0, match: (r) => isBig(r) && !!r.headers.range && !isTail(r) },
    ]);
    const started = Date.now();
    const run = await cli([
      'fetch',
      `docker://${proxy.host}/demo/stall;tag=1;digest=${image.digest}`,
      '--dl-dir',
      join(work.path, 'dl'),
      '--arch',
      'amd64',
      '--idle-timeout',
      '0.5',
      '--json',
      '--quiet',
    ]);
    const seconds = (Date.now() - started) / 1000;
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error).toMatchObject({ code: 'NETWORK', exitCode: 1 });
    expect(error.message).toMatch(/no progress for \d+(\.\d+)? s/);
    // 2 x 0.5 s without progress, plus one idle timeout, plus start-up: far below six idle timeouts of 60 s.
    expect(seconds).toBeLessThan(6);
  });

  it('refuses an idle timeout that is not a positive number of seconds (exit 2)', async () => {
    for (const value of ['0', 'soon', '1e9', '90000']) {
      const run = await cli([
        'fetch',
        'docker://127.0.0.1:9/demo/x;tag=1',
        '--dl-dir',
        join(work.path, 'dl'),
        '--arch',
        'amd64',
        '--idle-timeout',
        value,
      ]);
      expect(run.code).toBe(2);
      expect(run.lines).toEqual([expect.stringContaining('--idle-timeout needs a number of seconds')]);
    }
  });
});
