import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** A layer given as an uncompressed tar on disk, stored as is or gzip-compressed. */
export interface LayoutLayer {
  tarFile: string;
  compression: 'none' | 'gzip';
}

export interface WrittenLayout {
  dir: string;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
}

function hasher() {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size: bytes }) };
}

async function writeBlob(dir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/**
 * An OCI image layout (what `skopeo copy ... oci:<dir>:<ref>` writes) of one image, its layers streamed from
 * tar files (hashed for diff_id and digest on the way, never held in memory).
 */
export async function writeOciLayout(
  dir: string,
  layers: readonly LayoutLayer[],
  options: { ref: string; architecture: string; os?: string },
): Promise<WrittenLayout> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const descriptors: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  for (const [index, layer] of layers.entries()) {
    const diff = hasher();
    const blob = hasher();
    const temp = join(dir, `layer-${index}.tmp`);
    const output = createWriteStream(temp);
    if (layer.compression === 'gzip')
      await pipeline(
        createReadStream(layer.tarFile),
        diff.stream,
        createGzip({ level: 1 }),
        blob.stream,
        output,
      );
    else await pipeline(createReadStream(layer.tarFile), diff.stream, blob.stream, output);
    const stored = blob.result();
    await rename(temp, join(dir, 'blobs', 'sha256', stored.digest.slice('sha256:'.length)));
    diffIds.push(diff.result().digest);
    descriptors.push({
      mediaType:
        layer.compression === 'gzip'
          ? 'application/vnd.oci.image.layer.v1.tar+gzip'
          : 'application/vnd.oci.image.layer.v1.tar',
      ...stored,
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture,
      os: options.os ?? 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const configBlob = await writeBlob(dir, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: descriptors,
    }),
  );
  const manifestBlob = await writeBlob(dir, manifest);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifestBlob,
          annotations: { 'org.opencontainers.image.ref.name': options.ref },
        },
      ],
    }),
  );
  return {
    dir,
    manifestDigest: manifestBlob.digest,
    configDigest: configBlob.digest,
    layerDigests: descriptors.map((descriptor) => descriptor.digest),
  };
}
