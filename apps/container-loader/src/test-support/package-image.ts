/**
 * A test image with OS package databases, so that the SBOM isar-fetch writes for it lists packages: one gzip
 * layer (made by GNU tar from real files) holding `/etc/os-release`, dpkg's `/var/lib/dpkg/status` (two
 * installed packages and one removed, whose config files are all that is left) and apk's
 * `/lib/apk/db/installed` (one package). Written as an OCI image layout, which {@link pushImage} takes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuiltImage, runChecked } from '@isar/testkit';

/** Packages the SBOM of {@link buildPackageImage} lists: dpkg's installed two and apk's one. */
export const PACKAGE_IMAGE_PACKAGES = 3;

const STATUS = `Package: base-files
Status: install ok installed
Architecture: amd64
Version: 12.4+deb12u5

Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1
`;

const APK_INSTALLED = `P:musl
V:1.2.4-r2
A:x86_64
L:MIT
o:musl

`;

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
VERSION_CODENAME=bookworm
`;

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export async function buildPackageImage(dir: string): Promise<BuiltImage> {
  const root = join(dir, 'rootfs');
  const files: [string, string][] = [
    ['etc/os-release', OS_RELEASE],
    ['var/lib/dpkg/status', STATUS],
    ['lib/apk/db/installed', APK_INSTALLED],
  ];
  for (const [path, text] of files) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const tarFile = join(dir, 'layer.tar');
  await runChecked('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '-C',
    root,
    '-cf',
    tarFile,
    'etc',
    'lib',
    'var',
  ]);
  const tar = await readFile(tarFile);
  const layer = gzipSync(tar);
  const layout = join(dir, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (bytes: Buffer) => {
    const digest = sha256(bytes);
    await writeFile(join(blobs, digest.slice('sha256:'.length)), bytes);
    return { digest, size: bytes.length };
  };
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  const manifestMediaType = 'application/vnd.oci.image.manifest.v1+json';
  const configBlob = await put(config);
  const layerBlob = await put(layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layerBlob }],
    }),
  );
  const manifestBlob = await put(manifest);
  const refName = 'latest';
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: manifestMediaType,
          ...manifestBlob,
          annotations: { 'org.opencontainers.image.ref.name': refName },
        },
      ],
    }),
  );
  return {
    layoutDir: layout,
    refName,
    digest: manifestBlob.digest,
    mediaType: manifestMediaType,
    manifests: [
      {
        platform: 'linux/amd64',
        ...manifestBlob,
        mediaType: manifestMediaType,
        configDigest: configBlob.digest,
        configSize: configBlob.size,
        layers: [
          {
            ...layerBlob,
            diffId: sha256(tar),
            uncompressedSize: tar.length,
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          },
        ],
      },
    ],
  };
}
