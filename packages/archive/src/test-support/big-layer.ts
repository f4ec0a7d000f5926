import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Writes an OCI layout with one big gzip layer holding one file of `size` bytes, generated and streamed (never
 * in memory). The content repeats a 4 KiB text pattern, so it compresses and inflates fast: the point is the
 * size, not the entropy.
 */
export async function writeBigLayerLayout(dir: string, size: number): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const pattern = Buffer.from(
    'isar container archive test line 0123456789 abcdefghijklmnopqrstuvwxyz\n'.repeat(64).slice(0, 4096),
  );
  const block = Buffer.concat(Array.from({ length: 256 }, () => pattern));
  const header = Buffer.alloc(512);
  header.write('big.bin', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc(((512 - (size % 512)) % 512) + 1024);
  async function* tar() {
    yield header;
    for (let left = size; left > 0; left -= block.length)
      yield left >= block.length ? block : block.subarray(0, left);
    yield padding;
  }
  const diffId = createHash('sha256');
  const blobDigest = createHash('sha256');
  let blobSize = 0;
  const temp = join(blobs, 'incoming');
  await pipeline(
    Readable.from(tar()),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        diffId.update(chunk);
        yield chunk;
      }
    },
    createGzip({ level: 1 }),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        blobDigest.update(chunk);
        blobSize += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(temp),
  );
  const layerHex = blobDigest.digest('hex');
  await rename(temp, join(blobs, layerHex));
  const put = async (text: string) => {
    const hex = createHash('sha256').update(text).digest('hex');
    await writeFile(join(blobs, hex), text);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(text) };
  };
  const config = await put(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId.digest('hex')}`] },
    }),
  );
  const manifest = await put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: `sha256:${layerHex}`,
          size: blobSize,
        },
      ],
    }),
  );
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }],
    }),
  );
}
