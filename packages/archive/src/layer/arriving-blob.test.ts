import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Descriptor } from '@isar/oci-spec';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerArchive } from '../docker-archive/write-docker-archive.js';
import { writeOciArchive } from '../oci-archive/write-oci-archive.js';
import { openLayout } from '../source/oci-layout.js';
import { type TestLayerKind, writeTestLayout } from '../test-support/layout-builder.js';
import type { ArrivingBlob } from './arriving-blob.js';

let work: TmpDir;
let counter = 0;
const out = (name: string) => join(work.path, `${counter++}-${name}`);

beforeAll(async () => {
  work = await tmpDir('archive-arriving-');
});
afterAll(async () => {
  await work?.cleanup();
});

interface Arrival {
  blob: ArrivingBlob;
  /** Set once the stream handed out its last byte. */
  arrived: () => boolean;
  /** How often complete() was asked for. */
  completions: () => number;
}

/**
 * A blob that "downloads" in small pieces with pauses. complete() resolves only after the stream handed out
 * every byte (`gatedComplete`), so a writer that waited for it instead of streaming would never finish.
 */
function arriving(
  file: string,
  options: {
    tail?: 'true' | 'lie' | 'none';
    corruptAt?: number;
    gatedComplete?: boolean;
    /** The source says it verifies the digest itself; `complete()` then fails with this error, if given. */
    verifies?: { failure?: Error };
  } = {},
): Arrival {
  let arrived = false;
  let completions = 0;
  let markArrived: () => void = () => {};
  const whenArrived = new Promise<void>((resolve) => {
    markArrived = resolve;
  });
  const blob: ArrivingBlob = {
    kind: 'arriving',
    open: () =>
      Readable.from(
        (async function* () {
          const bytes = Buffer.from(await readFile(file));
          if (options.corruptAt !== undefined)
            bytes.writeUInt8((bytes.readUInt8(options.corruptAt) ^ 0xff) & 0xff, options.corruptAt);
          for (let at = 0; at < bytes.length; at += 4096) {
            await sleep(1);
            yield bytes.subarray(at, at + 4096);
          }
          arrived = true;
          markArrived();
        })(),
      ),
    complete: async () => {
      completions++;
      if (options.gatedComplete) await whenArrived;
      if (options.verifies?.failure) throw options.verifies.failure;
      return file;
    },
    ...(options.verifies ? { verifiesDigest: true } : {}),
  };
  if (options.tail !== 'none') {
    blob.readTail = async (length) => {
      const bytes = await readFile(file);
      const tail = Buffer.from(bytes.subarray(bytes.length - length));
      if (options.tail === 'lie') tail.writeUInt32LE(tail.readUInt32LE(0) + 512, 0);
      return tail;
    };
  }
  return { blob, arrived: () => arrived, completions: () => completions };
}

/** A `layerFile` that hands out arriving blobs made with `options`, and every one it handed out, in order. */
function recordingArrivals(
  fileOf: (layer: Descriptor) => string,
  options: Parameters<typeof arriving>[1],
): { layerFile: (layer: Descriptor) => ArrivingBlob; arrivals: Arrival[] } {
  const arrivals: Arrival[] = [];
  const layerFile = (layer: Descriptor) => {
    const arrival = arriving(fileOf(layer), options);
    arrivals.push(arrival);
    return arrival.blob;
  };
  return { layerFile, arrivals };
}

async function layoutWith(kind: TestLayerKind) {
  const dir = out(`layout-${kind}`);
  await writeTestLayout(dir, [
    { files: { 'a.bin': randomBytes(150_000), 'etc/os-release': 'ID=test\n' }, kind },
    { files: { 'b.bin': randomBytes(90_000) }, kind },
  ]);
  const layout = await openLayout(dir);
  const image = layout.image();
  const fileOf = (layer: Descriptor) => image.layerFile(layer);
  return { image, fileOf };
}

describe('arriving blobs (a download still in progress)', () => {
  it('OCI: blobs stream while they arrive and the archive equals the one written from files', async () => {
    const { image, fileOf } = await layoutWith('gzip');
    const fromFiles = out('files.tar');
    await writeOciArchive(image, { repoTags: ['x/y:1'], output: fromFiles, layerFile: fileOf });
    const { layerFile, arrivals } = recordingArrivals(fileOf, { gatedComplete: true });
    const live = out('live.tar');
    await writeOciArchive(image, { repoTags: ['x/y:1'], output: live, layerFile });
    expect(await readFile(live)).toEqual(await readFile(fromFiles));
    expect(arrivals.every((a) => a.arrived() && a.completions() === 0)).toBe(true);
  });

  it('OCI: a damaged byte in an arriving blob fails with DIGEST_MISMATCH and leaves no file', async () => {
    const { image, fileOf } = await layoutWith('gzip');
    const file = out('bad.tar');
    await expect(
      writeOciArchive(image, {
        repoTags: ['x/y:1'],
        output: file,
        layerFile: (layer) => arriving(fileOf(layer), { corruptAt: 100 }).blob,
      }),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('OCI: a source that verifies the digest itself is not hashed again, and its verdict is awaited', async () => {
    const { image, fileOf } = await layoutWith('gzip');
    const fromFiles = out('files-verified.tar');
    await writeOciArchive(image, { repoTags: ['x/y:1'], output: fromFiles, layerFile: fileOf });
    const { layerFile, arrivals } = recordingArrivals(fileOf, { gatedComplete: true, verifies: {} });
    const live = out('live-verified.tar');
    await writeOciArchive(image, { repoTags: ['x/y:1'], output: live, layerFile });
    expect(await readFile(live)).toEqual(await readFile(fromFiles));
    // Each blob's verdict was asked for once, after it had streamed.
    expect(arrivals.map((a) => [a.arrived(), a.completions()])).toEqual([
      [true, 1],
      [true, 1],
    ]);
    // The damaged byte goes unhashed here, so only the source's verdict stops the write: it must.
    const bad = out('bad-verified.tar');
    const failure = Object.assign(new Error('blob digest mismatch'), { code: 'DIGEST_MISMATCH' });
    await expect(
      writeOciArchive(image, {
        repoTags: ['x/y:1'],
        output: bad,
        layerFile: (layer) => arriving(fileOf(layer), { corruptAt: 100, verifies: { failure } }).blob,
      }),
    ).rejects.toBe(failure);
    await expect(readFile(bad)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('docker-archive: a gzip layer streams with its size from the trailer read ahead', async () => {
    const { image, fileOf } = await layoutWith('gzip');
    const fromFiles = out('files.tar');
    await writeDockerArchive(image, { repoTags: ['x/y:1'], output: fromFiles, layerFile: fileOf });
    const { layerFile, arrivals } = recordingArrivals(fileOf, { gatedComplete: true });
    const live = out('live.tar');
    const result = await writeDockerArchive(image, { repoTags: ['x/y:1'], output: live, layerFile });
    expect(await readFile(live)).toEqual(await readFile(fromFiles));
    expect(result.layers.every((layer) => layer.streamed)).toBe(true);
    expect(result.restarts).toBe(0);
    expect(arrivals.every((a) => a.arrived() && a.completions() === 0)).toBe(true);
  });

  it('docker-archive: a plain tar layer streams with the descriptor size', async () => {
    const { image, fileOf } = await layoutWith('none');
    const fromFiles = out('files.tar');
    await writeDockerArchive(image, { repoTags: ['x/y:1'], output: fromFiles, layerFile: fileOf });
    const live = out('live.tar');
    await writeDockerArchive(image, {
      repoTags: ['x/y:1'],
      output: live,
      layerFile: (layer) => arriving(fileOf(layer), { gatedComplete: true, tail: 'none' }).blob,
    });
    expect(await readFile(live)).toEqual(await readFile(fromFiles));
  });

  it('docker-archive: a trailer that lies makes the writer start over with the complete blob', async () => {
    const { image, fileOf } = await layoutWith('gzip');
    const fromFiles = out('files.tar');
    await writeDockerArchive(image, { repoTags: ['x/y:1'], output: fromFiles, layerFile: fileOf });
    const live = out('live.tar');
    const result = await writeDockerArchive(image, {
      repoTags: ['x/y:1'],
      output: live,
      layerFile: (layer) => arriving(fileOf(layer), { tail: 'lie' }).blob,
    });
    expect(await readFile(live)).toEqual(await readFile(fromFiles));
    expect(result.restarts).toBeGreaterThan(0);
  });

  it('docker-archive: without a trailer (or for zstd) the writer waits for the complete blob', async () => {
    for (const [kind, tail] of [
      ['gzip', 'none'],
      ['zstd', 'true'],
    ] as const) {
      const { image, fileOf } = await layoutWith(kind);
      const fromFiles = out('files.tar');
      await writeDockerArchive(image, { repoTags: ['x/y:1'], output: fromFiles, layerFile: fileOf });
      const { layerFile, arrivals } = recordingArrivals(fileOf, { tail });
      const live = out('live.tar');
      await writeDockerArchive(image, { repoTags: ['x/y:1'], output: live, layerFile });
      expect(await readFile(live)).toEqual(await readFile(fromFiles));
      expect(arrivals.every((a) => a.completions() === 1 && !a.arrived())).toBe(true);
    }
  });

  it('docker-archive: a damaged arriving gzip layer fails and leaves no file', async () => {
    const { image, fileOf } = await layoutWith('gzip');
    const file = out('bad.tar');
    const error = await writeDockerArchive(image, {
      repoTags: ['x/y:1'],
      output: file,
      predictLayerSizes: true,
      layerFile: (layer) => arriving(fileOf(layer), { corruptAt: 2000 }).blob,
    }).catch((e: unknown) => e);
    expect(['CORRUPT_DATA', 'DIFF_ID_MISMATCH', 'TRUNCATED']).toContain((error as { code?: string }).code);
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
