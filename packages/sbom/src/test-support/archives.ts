import { join } from 'node:path';
import { type LayerTap, openLayout, writeDockerArchive, writeOciArchive } from '@isar/archive';

export interface TestArchives {
  dockerArchive: string;
  ociArchive: string;
}

/** Both archive formats of a one-image layout, zstd-compressed, written by @isar/archive's real writers. */
export async function writeArchives(
  layoutDir: string,
  outDir: string,
  repoTag: string,
  layerTap?: LayerTap,
): Promise<TestArchives> {
  const layout = await openLayout(layoutDir);
  const dockerArchive = join(outDir, 'image.docker.tar.zst');
  const ociArchive = join(outDir, 'image.oci.tar.zst');
  await writeDockerArchive(layout.image(), {
    repoTags: [repoTag],
    output: dockerArchive,
    compression: { zstd: { level: 1 } },
    ...(layerTap ? { layerTap } : {}),
  });
  await writeOciArchive(layout.image(), {
    repoTags: [repoTag],
    output: ociArchive,
    compression: { zstd: { level: 1 } },
  });
  return { dockerArchive, ociArchive };
}
