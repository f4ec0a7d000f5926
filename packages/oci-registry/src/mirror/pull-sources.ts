import type { RegistriesConf, RegistryConfig } from '../config/registries-conf.js';
import { RegistryError } from '../errors/registry-error.js';

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
 * The `[[registry]]` entry that applies to a name: the longest matching prefix. A prefix matches the whole name,
 * or a leading part of it that ends at a path separator; `*.domain` matches hosts under that domain.
 */
export function matchRegistryConfig(conf: RegistriesConf, name: string): RegistryConfig | undefined {
  let best: RegistryConfig | undefined;
  let bestLength = -1;
  const host = name.split('/')[0] ?? '';
  for (const registry of conf.registries) {
    const { prefix } = registry;
    let matches: boolean;
    if (prefix.startsWith('*.')) {
      matches = host.endsWith(prefix.slice(1));
    } else {
      matches = name === prefix || name.startsWith(`${prefix}/`);
    }
    if (matches && prefix.length > bestLength) {
      best = registry;
      bestLength = prefix.length;
    }
  }
  return best;
}

function rewrite(name: string, prefix: string, location: string): { registry: string; repository: string } {
  const rewritten = location ? location + name.slice(prefix.length) : name;
  const slash = rewritten.indexOf('/');
  return { registry: rewritten.slice(0, slash), repository: rewritten.slice(slash + 1) };
}

/**
 * Where to read a repository from, in order: the mirrors that allow this kind of reference (`pull-from-mirror`:
 * `all`, `digest-only` for digest references, `tag-only` for tags), then the primary. A blocked registry is an
 * error (`BLOCKED`), as in skopeo.
 */
export function pullSources(
  conf: RegistriesConf,
  repo: RepositoryName,
  byDigest: boolean,
  isInsecure: (host: string) => boolean,
): PullSource[] {
  const name = `${repo.registry}/${repo.repository}`;
  const config = matchRegistryConfig(conf, name);
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
      {
        retryable: false,
      },
    );
  }
  const prefix = config.prefix.startsWith('*.') ? '' : config.prefix;
  const sources: PullSource[] = [];
  for (const mirror of config.mirrors) {
    const allowed =
      mirror.pullFromMirror === 'all' ||
      (mirror.pullFromMirror === 'digest-only' && byDigest) ||
      (mirror.pullFromMirror === 'tag-only' && !byDigest);
    if (!allowed) continue;
    const target = rewrite(name, prefix, mirror.location);
    sources.push({ ...target, insecure: mirror.insecure || isInsecure(target.registry), mirror: true });
  }
  const primary = rewrite(name, prefix, config.location);
  sources.push({ ...primary, insecure: config.insecure || isInsecure(primary.registry), mirror: false });
  return sources;
}

/** The primary location only (pushes never go to mirrors), with blocked registries refused. */
export function pushTarget(
  conf: RegistriesConf,
  repo: RepositoryName,
  isInsecure: (host: string) => boolean,
): PullSource {
  const all = pullSources(conf, repo, false, isInsecure);
  return all[all.length - 1] as PullSource;
}
