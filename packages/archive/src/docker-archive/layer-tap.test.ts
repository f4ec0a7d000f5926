import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildImage, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../source/oci-layout.js';
import { writeDockerArchive } from './write-docker-archive.js';

let work: TmpDir;
beforeAll(async () => {
  work = await tmpDir('archive-tap-');
});
afterAll(async () => {
  await work?.cleanup();
});

/** A sink that hashes what it gets, slowly (every 8th chunk waits), to exercise back-pressure. */
function hashingSink() {
  const hash = createHash('sha256');
  let chunks = 0;
  let ended = false;
  const sink = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      if (++chunks % 8 === 0) setTimeout(callback, 1);
      else callback();
    },
    final(callback) {
      ended = true;
      callback();
    },
  });
  return { sink, result: () => ({ ended, digest: `sha256:${hash.digest('hex')}` }) };
}

describe('writeDockerArchive layerTap', () => {
  it.each([
    ['layer files streamed', false],
    ['layers spooled from streams', true],
  ])('hands each layer’s uncompressed tar to the tap (%s)', async (_title, spool) => {
    const built = await buildImage({ layers: [0, 300_000, 2_000_000], seed: 21 });
    const layout = await openLayout(built.layoutDir);
    const image = spool ? { ...layout.image(), layerFile: undefined } : layout.image();
    const sinks = new Map<string, ReturnType<typeof hashingSink>>();
    const indexes: number[] = [];
    const result = await writeDockerArchive(image, {
      repoTags: ['tap:1'],
      output: join(work.path, `tap-${spool}.tar.zst`),
      compression: { zstd: {} },
      layerTap: (layer) => {
        const sink = hashingSink();
        sinks.set(layer.diffId, sink);
        indexes.push(layer.index);
        return sink.sink;
      },
    });
    // Every tapped byte stream hashes to its diff_id: the tap saw exactly the layer, once, ended.
    expect([...sinks.keys()]).toEqual(result.layers.map((layer) => layer.diffId));
    for (const [diffId, sink] of sinks) expect(sink.result()).toEqual({ ended: true, digest: diffId });
    expect(indexes).toEqual(result.layers.map((_, index) => index));
  });
});
