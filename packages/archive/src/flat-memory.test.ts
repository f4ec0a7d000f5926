/**
 * Memory stays flat whatever the image size: a 1 GiB layer is written (streamed and spooled), compressed and
 * read back in child processes that report their peak RSS (only node and this package, no test runner).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigLayerLayout } from './test-support/big-layer.js';
import { builtEntry } from './test-support/built-package.js';

const run = promisify(execFile);
const gib = 2 ** 30;
/** Generous: node alone is ~45 MB; zstd workers and stream buffers add some tens of MB. */
const rssBoundMb = 200;

let work: TmpDir;
let entry: string;
let layout: string;

/** Runs `task` in a fresh node process with the built package; returns its result and peak RSS in MB. */
async function measure(task: string): Promise<{ peakMb: number; result: Record<string, unknown> }> {
  const script = `
    const archive = await import(${JSON.stringify(entry)});
    const result = await (async () => { ${task} })();
    process.stdout.write(JSON.stringify({ maxRss: process.resourceUsage().maxRSS, result }));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    maxBuffer: 1 << 20,
    cwd: work.path,
  });
  const parsed = JSON.parse(stdout) as { maxRss: number; result: Record<string, unknown> };
  console.log(`peak RSS ${(parsed.maxRss / 1024).toFixed(0)} MB`);
  return { peakMb: parsed.maxRss / 1024, result: parsed.result };
}

beforeAll(async () => {
  work = await tmpDir('archive-flat-');
  entry = builtEntry();
  layout = join(work.path, 'layout');
  await writeBigLayerLayout(layout, gib);
}, 180_000);

afterAll(async () => {
  await work?.cleanup();
});

describe('a 1 GiB layer with flat memory', () => {
  it('docker-archive, streamed from the layer file into zstd', async () => {
    const { peakMb, result } = await measure(`
      const image = (await archive.openLayout(${JSON.stringify(layout)})).image();
      return archive.writeDockerArchive(image, { repoTags: ['big:1'], output: 'direct.tar.zst', compression: { zstd: { threads: 2 } } });
    `);
    expect((result.layers as Array<{ size: number; streamed: boolean }>)[0]).toMatchObject({
      streamed: true,
    });
    expect((result.layers as Array<{ size: number }>)[0]?.size).toBeGreaterThan(gib);
    expect(peakMb).toBeLessThan(rssBoundMb);
  }, 120_000);

  it('docker-archive, spooled through a temporary file (layer as a stream only)', async () => {
    const { peakMb, result } = await measure(`
      const image = (await archive.openLayout(${JSON.stringify(layout)})).image();
      return archive.writeDockerArchive({ ...image, layerFile: undefined }, { repoTags: ['big:1'], output: 'spooled.tar', tempDir: '.' });
    `);
    expect((result.layers as Array<{ streamed: boolean }>)[0]).toMatchObject({ streamed: false });
    expect(result.tarBytes as number).toBeGreaterThan(gib);
    expect(peakMb).toBeLessThan(rssBoundMb);
  }, 120_000);

  it('verifying the 1 GiB archive (zstd, diff_id recomputed)', async () => {
    const { peakMb, result } = await measure(`return archive.verifyArchive('direct.tar.zst');`);
    expect((result.images as Array<{ verifiedByDiffId: number }>)[0]?.verifiedByDiffId).toBe(1);
    expect(result.tarBytes as number).toBeGreaterThan(gib);
    expect(peakMb).toBeLessThan(rssBoundMb);
  }, 120_000);
});
