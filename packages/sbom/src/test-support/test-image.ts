import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestArchives, writeArchives } from './archives.js';
import { writeOciLayout } from './oci-layout.js';
import { type TarEntry, writeTar } from './tar-files.js';

/** Both archive formats of an image whose layers (bottom first) hold `layers`' entries. */
export async function buildTestImage(
  dir: string,
  layers: readonly (readonly TarEntry[])[],
  options: { repoTag?: string; architecture?: string } = {},
): Promise<TestArchives & { manifestDigest: string }> {
  await mkdir(dir, { recursive: true });
  const tars = [];
  for (const [index, entries] of layers.entries()) {
    const tarFile = join(dir, `layer-${index}.tar`);
    await writeTar(tarFile, entries);
    tars.push({ tarFile, compression: index % 2 === 0 ? ('gzip' as const) : ('none' as const) });
  }
  const layout = await writeOciLayout(join(dir, 'layout'), tars, {
    ref: 'test',
    architecture: options.architecture ?? 'amd64',
  });
  const archives = await writeArchives(layout.dir, dir, options.repoTag ?? 'example.test/sbom/probe:1');
  return { ...archives, manifestDigest: layout.manifestDigest };
}
