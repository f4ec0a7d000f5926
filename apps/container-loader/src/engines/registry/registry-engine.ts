import {
  createRegistryClient,
  isRegistryError,
  nodeHttpTransport,
  type RegistryClient,
  type RepositoryName,
} from '@isar/oci-registry';
import type { PlannedImage } from '../../archive/image-plan.js';
import { readVerifiedArchive } from '../../archive/read-verified.js';
import { describeError, isAbort, LoaderError } from '../../errors.js';
import type { ImageName } from '../../inputs/image-name.js';
import type { Engine, LoadedImage, PreparedArchive } from '../engine.js';
import { archiveIndexOf } from './archive-index.js';
import { BlobStaging } from './blob-staging.js';
import { pushableImage } from './pushable-image.js';
import { formatTarget, parseRegistryUrl, type RegistryLocation, registryTarget } from './registry-target.js';

export interface RegistryEngineOptions {
  url: string;
  /** Where layers are staged between reading the archive and pushing them. */
  tmpDir: string;
  env: Readonly<Record<string, string | undefined>>;
}

interface StagedArchive extends PreparedArchive {
  staging: BlobStaging;
}

/**
 * Pushes archives into a registry (usually one on the device, on loopback) with @isar/oci-registry: blobs
 * first, the manifest last, so a tag only ever names a complete image; an interrupted push leaves at most
 * unreferenced blobs, and the next run converges.
 */
export class RegistryEngine implements Engine {
  readonly name = 'registry' as const;
  private readonly location: RegistryLocation;
  private readonly client: RegistryClient;

  constructor(private readonly options: RegistryEngineOptions) {
    this.location = parseRegistryUrl(options.url);
    const { host, credentials } = this.location;
    this.client = createRegistryClient({
      // node:http/node:https only: the device's Node may be 18 (bookworm, noble), where undici 7 cannot load.
      // The single-file build leaves undici out altogether.
      httpTransport: nodeHttpTransport,
      env: options.env,
      insecureRegistries: this.location.plainHttp ? [host] : [],
      // A device's registries.conf may redirect Docker Hub names; it must not redirect our pushes.
      registriesConf: false,
      ...(this.location.loopback ? { proxy: false as const } : {}),
      ...(credentials ? { credentials: { [host]: { kind: 'basic' as const, ...credentials } } } : {}),
      // Loopback at boot: fail fast and let the next run retry rather than hang the boot for minutes.
      retry: { attempts: 3, maxElapsedMs: 30_000 },
    });
  }

  async probe(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.hasBlob(
        { registry: this.location.host, repository: 'container-loader/probe' },
        EMPTY,
        {
          ...(signal ? { signal } : {}),
        },
      );
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      throw new LoaderError(
        'ENGINE_UNAVAILABLE',
        `registry ${this.location.host} does not answer: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  targetName(name: ImageName): string {
    return formatTarget(name, this.location.host);
  }

  async lookup(name: ImageName, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const descriptor = await this.client.resolve(
        registryTarget(name, this.location.host),
        signal ? { signal } : {},
      );
      return descriptor.digest;
    } catch (error) {
      if (isRegistryError(error) && error.code === 'NOT_FOUND') return undefined;
      if (isAbort(error, signal)) throw error;
      throw new LoaderError(
        'ENGINE_UNAVAILABLE',
        `cannot look up ${this.targetName(name)}: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async prepare(path: string, signal?: AbortSignal): Promise<StagedArchive> {
    const staging = await BlobStaging.create(this.options.tmpDir);
    try {
      const contents = await readVerifiedArchive(path, {
        onEntry: staging.onEntry,
        ...(signal ? { signal } : {}),
      });
      await staging.settled();
      return { path, contents, staging, dispose: () => staging.dispose() };
    } catch (error) {
      await staging.dispose();
      throw error;
    }
  }

  async load(
    archive: PreparedArchive,
    plan: readonly PlannedImage[],
    signal?: AbortSignal,
  ): Promise<LoadedImage[]> {
    const { staging } = archive as StagedArchive;
    const results: LoadedImage[] = [];
    // Repositories that already hold an image's blobs: later names mount from them instead of uploading again.
    const pushedTo = new Map<string, RepositoryName>();
    for (const { name, image } of plan) {
      const target = registryTarget(name, this.location.host);
      const { image: pushable, rebuilt } = pushableImage(image, staging);
      const mountFrom = pushedTo.get(image.configDigest);
      // An archive that keeps every platform goes in whole: each image by digest, the index under the tag.
      const whole = archiveIndexOf(archive.contents, image);
      let digest: string;
      try {
        const options = { ...(signal ? { signal } : {}), ...(mountFrom ? { mountFrom } : {}) };
        const pushed = whole
          ? await this.client.pushIndex(
              whole.index,
              whole.images.map((each) => pushableImage(each, staging).image),
              target,
              options,
            )
          : await this.client.pushImage(pushable, target, options);
        digest = pushed.descriptor.digest;
      } catch (error) {
        if (isAbort(error, signal)) throw error;
        throw new LoaderError(
          'PUSH_FAILED',
          `push to ${this.targetName(name)} failed: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }
      pushedTo.set(image.configDigest, target);
      const present = await this.lookup(name, signal);
      if (present !== digest) {
        throw new LoaderError(
          'NOT_CONFIRMED',
          `after pushing, ${this.targetName(name)} is ${present ?? 'missing'}, not ${digest}`,
        );
      }
      results.push({
        name: name.full,
        target: this.targetName(name),
        digest,
        ...(rebuilt ? { newDigest: true } : {}),
      });
    }
    return results;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** The digest of zero bytes: a blob HEAD that any registry answers (404 or 200) without side effects. */
const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
