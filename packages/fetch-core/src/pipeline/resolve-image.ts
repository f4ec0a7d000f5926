import {
  createRegistryClient,
  formatReference,
  type RegistryClient,
  type RegistryClientOptions,
} from '@isar/oci-registry';
import { type Digest, formatPlatform } from '@isar/oci-spec';
import { debianArchToPlatform } from '../arch/debian-arch.js';
import { type DockerUrl, parseDockerUrl } from '../url/docker-url.js';
import { srcUriLine, urlWithDigest } from '../url/format-docker-url.js';

/** Options of {@link resolveImage}. */
export interface ResolveOptions {
  /** Also pick the platform image for this Debian architecture (fetches the index and the manifest). */
  arch?: string;
  signal?: AbortSignal;
  registry?: RegistryClientOptions;
  client?: RegistryClient;
}

/**
 * What {@link resolveImage} found: the digest the tag points at, the SRC_URI line pinning it, the platform
 * image.
 */
export interface ResolveResult {
  /** The reference as resolved: `<registry>/<repository>:<tag>`. */
  reference: string;
  /** What the tag points at now (HEAD), or the URL's digest when it has no `;tag=`. */
  indexDigest: Digest;
  /** `SRC_URI = "<url>;digest=<indexDigest>"`: the line that pins it. */
  srcUriLine: string;
  /** With `arch`: the platform's image manifest and its platform. */
  manifestDigest?: Digest;
  platform?: string;
}

/**
 * What a URL points at now, without downloading layers: the tag's top digest and the recipe line that pins it
 * (for `isar-fetch resolve` and bitbake's `checkstatus`). A URL with a digest and no `;tag=` resolves to that
 * digest (checked to exist); with both, the tag is what is resolved.
 */
export async function resolveImage(
  url: string | DockerUrl,
  options: ResolveOptions = {},
): Promise<ResolveResult> {
  const parsed = typeof url === 'string' ? parseDockerUrl(url) : url;
  const platform = options.arch === undefined ? undefined : debianArchToPlatform(options.arch);
  const client = options.client ?? createRegistryClient(options.registry);
  const call = options.signal ? { signal: options.signal } : {};
  try {
    const { digest: pinned, ...byTag } = parsed.reference;
    const asked = parsed.tagExplicit || pinned === undefined ? byTag : parsed.reference;
    const top = await client.resolve(asked, call);
    const result: ResolveResult = {
      reference: formatReference(asked),
      indexDigest: top.digest,
      srcUriLine: srcUriLine(urlWithDigest(parsed, top.digest)),
    };
    if (platform) {
      const image = await client.getImage({ ...parsed.reference, digest: top.digest }, { ...call, platform });
      result.manifestDigest = image.descriptor.digest;
      result.platform = formatPlatform(image.platform);
    }
    return result;
  } finally {
    if (!options.client) await client.close();
  }
}
