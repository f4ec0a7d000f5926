/**
 * Once per run: pack every package, install the tarballs into one consumer project outside the workspace, and
 * start the kit's registry with a two-platform image the example programs use.
 */
import { join } from 'node:path';
import { buildImage, pushImage, startRegistry, tmpDir } from '@isar/testkit';
import type { TestProject } from 'vitest/node';
import { installConsumer, type PackedPackage, packAll } from './consumer-project.js';

export interface ConsumerSetup {
  /** Holds `tarballs/` and `project/`. */
  readonly workDir: string;
  /** The consumer project: package.json + node_modules from the tarballs. */
  readonly projectDir: string;
  readonly packed: readonly PackedPackage[];
  readonly installSeconds: number;
  /** The kit's registry, `127.0.0.1:PORT`. */
  readonly registryHost: string;
  /** `<registryHost>/consumers/demo:1`, pushed from `layoutDir`. */
  readonly imageRef: string;
  /** The OCI layout the image was built as (linux/amd64 + linux/arm64/v8, an index). */
  readonly layoutDir: string;
  /** The digest the tag resolves to (the index). */
  readonly indexDigest: string;
  readonly manifests: ReadonlyArray<{
    platform: string;
    digest: string;
    configDigest: string;
    layers: ReadonlyArray<{ digest: string; size: number; diffId: string }>;
  }>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    consumer: ConsumerSetup;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const work = await tmpDir('isar-consumers-');
  const registry = await startRegistry();
  try {
    const packed = await packAll(join(work.path, 'tarballs'));
    const projectDir = join(work.path, 'project');
    const { seconds } = await installConsumer(projectDir, packed, {
      buildAddon: process.env.ISAR_CONSUMER_BUILD_ADDON === '1',
    });
    const image = await buildImage({
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      layers: [100_000, 300_000],
      busybox: false,
    });
    const imageRef = `${registry.host}/consumers/demo:1`;
    const { digest } = await pushImage(image, imageRef);
    project.provide('consumer', {
      workDir: work.path,
      projectDir,
      packed,
      installSeconds: seconds,
      registryHost: registry.host,
      imageRef,
      layoutDir: image.layoutDir,
      indexDigest: digest,
      manifests: image.manifests.map((m) => ({
        platform: m.platform,
        digest: m.digest,
        configDigest: m.configDigest,
        layers: m.layers.map((l) => ({ digest: l.digest, size: l.size, diffId: l.diffId })),
      })),
    });
  } catch (error) {
    await registry.stop();
    await work.cleanup();
    throw error;
  }
  return async () => {
    await registry.stop();
    await work.cleanup();
  };
}
