import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** How a test layer is stored in the layout. */
export type TestLayerKind = 'gzip' | 'gzip-multi-member' | 'zstd' | 'zstd-no-size' | 'none';

export interface TestLayer {
  files: Record<string, string | Buffer>;
  kind?: TestLayerKind;
}

export interface TestLayout {
  dir: string;
  manifestDigest: string;
  configDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A tar of the given files (fixed times and owners), as a layer's uncompressed content. */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (const [name, content] of Object.entries(files)) {
    await new Promise<void>((resolve, reject) =>
      packer.entry(
        { name, mtime: new Date(0), mode: 0o644 },
        typeof content === 'string' ? Buffer.from(content) : content,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

function compress(tar: Buffer, kind: TestLayerKind): { blob: Buffer; mediaType: string } {
  switch (kind) {
    case 'gzip':
      return { blob: gzipSync(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
    case 'gzip-multi-member': {
      const half = Math.floor(tar.length / 2);
      return {
        blob: Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))]),
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      };
    }
    case 'zstd': {
      // The zstd command records the content size only when it reads a file.
      const file = join(mkdtempSync(join(tmpdir(), 'layer-')), 'layer.tar');
      writeFileSync(file, tar);
      const blob = execFileSync('zstd', ['-q', '-c', file]);
      rmSync(dirname(file), { recursive: true });
      return { blob, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
    }
    case 'zstd-no-size':
      return {
        blob: execFileSync('zstd', ['-q', '-c', '--no-content-size'], { input: tar }),
        mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
      };
    default:
      return { blob: tar, mediaType: 'application/vnd.oci.image.layer.v1.tar' };
  }
}

/**
 * Writes a small single-platform OCI layout with hand-made layers (for cases the kit's builder does not
 * make: zstd, plain, multi-member gzip, lying configs). `diffIdOverride` puts wrong diff_ids in the config.
 */
export async function writeTestLayout(
  dir: string,
  layers: TestLayer[],
  options: { diffIdOverride?: string[]; refName?: string; extraConfig?: Record<string, unknown> } = {},
): Promise<TestLayout> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (bytes: Buffer) => {
    const hex = sha256(bytes);
    await writeFile(join(blobs, hex), bytes);
    return `sha256:${hex}`;
  };
  const descriptors = [];
  const diffIds: string[] = [];
  for (const layer of layers) {
    const tar = await tarOf(layer.files);
    diffIds.push(`sha256:${sha256(tar)}`);
    const { blob, mediaType } = compress(tar, layer.kind ?? 'gzip');
    descriptors.push({ mediaType, digest: await put(blob), size: blob.length });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: options.diffIdOverride ?? diffIds },
      history: layers.map((_, i) => ({ created_by: `layer ${i}` })),
      ...options.extraConfig,
    }),
  );
  const configDigest = await put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: descriptors,
    }),
  );
  const manifestDigest = await put(manifest);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: manifestDigest,
          size: manifest.length,
          annotations: { 'org.opencontainers.image.ref.name': options.refName ?? 'latest' },
        },
      ],
    }),
  );
  return { dir, manifestDigest, configDigest, diffIds, layerDigests: descriptors.map((d) => d.digest) };
}
