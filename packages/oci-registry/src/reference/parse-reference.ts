import { type Digest, OciSpecError, parseDigest } from '@isar/oci-spec';
import { DOMAIN, NAME_TOTAL_LENGTH_MAX, PATH_COMPONENT, TAG } from './grammar.js';
import { DOCKER_HUB, type Reference } from './reference.js';
import { InvalidReferenceError } from './reference-error.js';

/** Docker Hub's old name; normalised to {@link DOCKER_HUB} as docker does. */
const LEGACY_DOCKER_HUB = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

/**
 * Whether the first path component names a registry, as docker, podman and skopeo decide: it contains `.` or
 * `:`, is `localhost`, is a bracketed IPv6 address, or has an upper-case letter (`LOCALDOMAIN/debian`: a
 * repository path is always lower case, so only a host can be meant). Otherwise the name lives on Docker Hub
 * (`debian`, `bitnami/redis`).
 */
function isDomain(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component.startsWith('[') ||
    component !== component.toLowerCase()
  );
}

/** A 64-hex-digit string is an image ID; docker refuses it as a name so the two are never confused. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** Splits `[registry/]repository` into a normalised registry and repository (Docker Hub rules). */
function splitName(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  let registry: string = DOCKER_HUB;
  let repository = name;
  if (slash >= 0 && isDomain(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    repository = name.slice(slash + 1);
  }
  if (registry === LEGACY_DOCKER_HUB) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && repository !== '' && !repository.includes('/')) {
    repository = OFFICIAL_PREFIX + repository;
  }
  return { registry, repository };
}

function checkRepository(input: string, repository: string): void {
  if (repository === '') {
    throw new InvalidReferenceError('REFERENCE_INVALID_PATH', input, 'path', 'the repository name is empty');
  }
  for (const component of repository.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component === '') {
      throw new InvalidReferenceError(
        'REFERENCE_INVALID_PATH',
        input,
        'path',
        `empty path component in "${repository}" (leading, trailing or double "/")`,
      );
    }
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      throw new InvalidReferenceError(
        'REFERENCE_UPPERCASE',
        input,
        'path',
        `repository name must be lowercase: "${component}"`,
      );
    }
    throw new InvalidReferenceError(
      'REFERENCE_INVALID_PATH',
      input,
      'path',
      `invalid path component "${component}": expected lowercase letters and digits, separated by ".", "_", "__" or dashes`,
    );
  }
}

function parseDigestPart(input: string, value: string): Digest {
  try {
    return parseDigest(value);
  } catch (e) {
    const detail = e instanceof OciSpecError ? e.message : String(e);
    throw new InvalidReferenceError('REFERENCE_INVALID_DIGEST', input, 'digest', detail, { cause: e });
  }
}

/**
 * Parses an image reference (`[registry[:port]/]repository[:tag][@digest]`) into a normalised
 * {@link Reference}: `debian` becomes `docker.io/library/debian`, `index.docker.io/x/y` becomes
 * `docker.io/x/y`. No default tag is filled in; callers decide (`DEFAULT_TAG`).
 * Throws {@link InvalidReferenceError} naming the offending part.
 */
export function parseReference(input: string): Reference {
  if (input === '') throw new InvalidReferenceError('REFERENCE_EMPTY', input, 'reference', 'it is empty');
  if (/\s/.test(input)) {
    throw new InvalidReferenceError('REFERENCE_INVALID_FORMAT', input, 'reference', 'it contains whitespace');
  }
  if (IMAGE_ID.test(input)) {
    throw new InvalidReferenceError(
      'REFERENCE_INVALID_FORMAT',
      input,
      'name',
      'a 64-character hexadecimal string is an image ID, not a repository name',
    );
  }
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  // An "@" followed by "/" or "]" is inside the name (a host such as "[fe80::1%@zone]"), not before a digest:
  // leave it for the registry check, which names the real problem.
  if (at >= 0 && !/[/\]]/.test(rest.slice(at + 1))) {
    digest = parseDigestPart(input, rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && !rest.slice(colon).includes(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw new InvalidReferenceError(
        'REFERENCE_INVALID_TAG',
        input,
        'tag',
        `invalid tag "${tag}": expected up to 128 of letters, digits, "_", "." and "-", not starting with "." or "-"`,
      );
    }
  }
  if (rest === '') {
    throw new InvalidReferenceError(
      'REFERENCE_INVALID_FORMAT',
      input,
      'name',
      'the repository name is missing',
    );
  }
  const { registry, repository } = splitName(rest);
  if (!DOMAIN.test(registry)) {
    throw new InvalidReferenceError(
      'REFERENCE_INVALID_DOMAIN',
      input,
      'domain',
      `invalid registry "${registry}": expected a host name or [IPv6] address with an optional :port`,
    );
  }
  checkRepository(input, repository);
  // As distribution/reference counts: the repository path (with Docker Hub's `library/`), not the registry.
  if (repository.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(
      'REFERENCE_NAME_TOO_LONG',
      input,
      'name',
      `the repository path "${repository}" is ${repository.length} characters long (at most ${NAME_TOTAL_LENGTH_MAX})`,
    );
  }
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}
