import { ArchiveError } from './errors.js';

/** A `name:tag` for an archive, fully qualified the way skopeo writes `RepoTags`. */
export interface RepoTag {
  /** Fully qualified repository: `docker.io/library/debian`, `quay.io/libpod/alpine`. */
  name: string;
  tag: string;
  /** `name:tag`. */
  full: string;
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const domainPattern =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

/**
 * Normalises `debian:bookworm`, `quay.io/libpod/alpine:3.10`, `127.0.0.1:5000/x` (tag `latest`) into a fully
 * qualified repo tag, with Docker's rules: a first component with a dot, a colon, upper case or `localhost` is
 * a registry host; otherwise the host is `docker.io` and single names get `library/`.
 */
export function parseRepoTag(value: string): RepoTag {
  const fail = (why: string): never => {
    throw new ArchiveError('INVALID_INPUT', `invalid repo tag "${value}": ${why}`);
  };
  if (value.includes('@')) fail('digests cannot name an image inside an archive; give name:tag');
  const lastSlash = value.lastIndexOf('/');
  const colon = value.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repository = hasTag ? value.slice(0, colon) : value;
  const tag = hasTag ? value.slice(colon + 1) : 'latest';
  if (!tagPattern.test(tag)) fail(`bad tag "${tag}"`);

  const firstSlash = repository.indexOf('/');
  const first = firstSlash === -1 ? '' : repository.slice(0, firstSlash);
  const isDomain =
    firstSlash !== -1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let domain = isDomain ? first : 'docker.io';
  let path = isDomain ? repository.slice(firstSlash + 1) : repository;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (!domainPattern.test(domain)) fail(`bad registry host "${domain}"`);
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (path === '' || !path.split('/').every((part) => pathComponent.test(part))) {
    fail('repository path components must be lower-case letters, digits and separators');
  }
  const name = `${domain}/${path}`;
  if (name.length > 255) fail('name longer than 255 characters');
  return { name, tag, full: `${name}:${tag}` };
}

/** Parses several repo tags, dropping repeats (first occurrence wins, as skopeo does). */
export function parseRepoTags(values: readonly string[]): RepoTag[] {
  const seen = new Set<string>();
  const tags: RepoTag[] = [];
  for (const value of values) {
    const tag = parseRepoTag(value);
    if (seen.has(tag.full)) continue;
    seen.add(tag.full);
    tags.push(tag);
  }
  return tags;
}
