import type { Digest } from '@isar/oci-spec';
import type { RegistriesConf, RegistryConfig } from '../config/registries-conf.js';
import { RegistryError } from '../errors/registry-error.js';
import { formatReference } from '../reference/format-reference.js';
import { prefixMatchEnd } from './prefix-match.js';
import { rewriteReference } from './rewrite-reference.js';

/** One place a repository can be read from: a mirror or the primary, after registries.conf rewriting. */
export interface PullSource {
  /** Registry host as users name it (`docker.io`, `127.0.0.1:5001`): credentials and certs key on it. */
  readonly registry: string;
  readonly repository: string;
  readonly insecure: boolean;
  readonly mirror: boolean;
}

/** A repository by its registry and path; every `Reference` is one. */
export interface RepositoryName {
  readonly registry: string;
  readonly repository: string;
}

/**
 * The `[[registry]]` entry that applies to a reference (`host[:port]/path[:tag][@digest]`, or just a name): the
 * longest matching prefix, the first on a tie. See {@link prefixMatchEnd} for what matches.
 */
export function matchRegistryConfig(conf: RegistriesConf, ref: string): RegistryConfig | undefined {
  let best: RegistryConfig | undefined;
  for (const registry of conf.registries) {
    if (prefixMatchEnd(ref, registry.prefix) < 0) continue;
    if (best === undefined || registry.prefix.length > best.prefix.length) best = registry;
  }
  return best;
}

function describe(config: RegistryConfig): string {
  return `${config.file ?? 'registries.conf'}: [[registry]] prefix "${config.prefix}"`;
}

/**
 * Where to read a repository from (its tag and digest, when given, count for prefixes that name one), in order: the mirrors that allow this kind of reference (`pull-from-mirror`:
 * `all`, `digest-only` for digest references, `tag-only` for tags), then the primary. A blocked registry is an
 * error (`BLOCKED`), as in skopeo; a rewrite that yields no valid reference is a `CONFIG` error.
 */
export function pullSources(
  conf: RegistriesConf,
  repo: RepositoryName & { readonly tag?: string; readonly digest?: Digest },
  byDigest: boolean,
  isInsecure: (host: string) => boolean,
): PullSource[] {
  const ref = formatReference({
    registry: repo.registry,
    repository: repo.repository,
    ...(repo.tag !== undefined ? { tag: repo.tag } : {}),
    ...(repo.digest !== undefined ? { digest: repo.digest } : {}),
  });
  const config = matchRegistryConfig(conf, ref);
  if (!config) {
    return [
      {
        registry: repo.registry,
        repository: repo.repository,
        insecure: isInsecure(repo.registry),
        mirror: false,
      },
    ];
  }
  if (config.blocked) {
    throw new RegistryError(
      'BLOCKED',
      `registry ${repo.registry} is blocked by registries.conf (prefix "${config.prefix}")`,
      { retryable: false },
    );
  }
  const sources: PullSource[] = [];
  for (const mirror of config.mirrors) {
    const allowed =
      mirror.pullFromMirror === 'all' ||
      (mirror.pullFromMirror === 'digest-only' && byDigest) ||
      (mirror.pullFromMirror === 'tag-only' && !byDigest);
    if (!allowed) continue;
    const target = rewriteReference(ref, config.prefix, mirror.location, `${describe(config)}, mirror`);
    sources.push({
      registry: target.registry,
      repository: target.repository,
      insecure: mirror.insecure || isInsecure(target.registry),
      mirror: true,
    });
  }
  const primary = rewriteReference(ref, config.prefix, config.location, describe(config));
  sources.push({
    registry: primary.registry,
    repository: primary.repository,
    insecure: config.insecure || isInsecure(primary.registry),
    mirror: false,
  });
  return sources;
}

/** The primary location only (pushes never go to mirrors), with blocked registries refused. */
export function pushTarget(
  conf: RegistriesConf,
  repo: RepositoryName & { readonly tag?: string; readonly digest?: Digest },
  isInsecure: (host: string) => boolean,
): PullSource {
  const all = pullSources(conf, repo, false, isInsecure);
  return all[all.length - 1] as PullSource;
}
