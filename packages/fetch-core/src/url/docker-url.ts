import {
  DEFAULT_TAG,
  InvalidReferenceError,
  isValidTag,
  parseReference,
  type Reference,
} from '@isar/oci-registry';
import { type Digest, parseDigest } from '@isar/oci-spec';
import { FetchCoreError } from '../errors.js';
import { DIGEST_LIKE, redactDockerUrl, splitAtSign } from './redact.js';

/** The scheme of Isar's container SRC_URIs. */
export const DOCKER_SCHEME = 'docker://';

/** The parameters a `docker://` URL may carry. */
export const DOCKER_URL_PARAMETERS = ['digest', 'tag'] as const;

/**
 * A parsed `docker://[<host>/]<image>[;digest=<algo>:<hex>][;tag=<tag>]` URL, split as bitbake and Isar's
 * `container_fetcher.py` split it, plus the typed image reference it names.
 */
export interface DockerUrl {
  /** The URL exactly as given (suggested `SRC_URI` lines are built from it, as upstream does). */
  readonly url: string;
  /** bitbake's `ud.host`: the first component (`quay.io`, or `debian` for `docker://debian`). */
  readonly host: string;
  /** bitbake's `ud.path`: the rest, starting with `/`; `/` when there is none. */
  readonly path: string;
  /** Isar's `container_name`: host + path (path left out when it is `/`). */
  readonly containerName: string;
  /** Isar's `localname`: the container name with `/` replaced by `.`. */
  readonly localName: string;
  /** The tag, `latest` when the URL has none. */
  readonly tag: string;
  /** Whether the URL itself carries `;tag=` (then a pinned digest is checked against it). */
  readonly tagExplicit: boolean;
  readonly digest?: Digest;
  /** Normalised reference with the tag and (when pinned) the digest: `docker.io/library/debian:bookworm`. */
  readonly reference: Reference;
}

/**
 * bitbake's credential parameters (its wget fetcher sends `;user=...;pswd=...` as basic auth). Refused, not
 * honoured: the URL travels in clear through bitbake's logs, task signatures, `ps` and our own messages.
 */
const CREDENTIAL_PARAMETERS: readonly string[] = ['user', 'pswd', 'passwd', 'password'];

function fail(code: 'INVALID_URL' | 'INVALID_NAME', url: string, reason: string, cause?: unknown): never {
  throw new FetchCoreError(
    code,
    `bad docker:// URL "${redactDockerUrl(url)}": ${reason}`,
    cause ? { cause } : {},
  );
}

/** bitbake's `decodeurl` parameter split: `;`-separated, empty segments skipped, each needs `=`. */
function parseParameters(url: string, parm: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const segment of parm.split(';')) {
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const shown = `bad docker:// URL "${redactDockerUrl(url)}"`;
    if (eq < 0) {
      throw new FetchCoreError(
        'INVALID_PARAMETER',
        `${shown}: parameter "${segment}" has no value (missing "=")`,
      );
    }
    const key = segment.slice(0, eq);
    if (CREDENTIAL_PARAMETERS.includes(key.toLowerCase())) {
      throw new FetchCoreError(
        'INVALID_PARAMETER',
        `${shown}: parameter "${key}": credentials as URL parameters are not supported (a SRC_URI is printed ` +
          'in logs and kept in task signatures); put them in an auth file: CONTAINER_AUTH_FILE, --auth-file',
      );
    }
    if (!(DOCKER_URL_PARAMETERS as readonly string[]).includes(key)) {
      throw new FetchCoreError(
        'INVALID_PARAMETER',
        `${shown}: unknown parameter "${key}" (supported: ${DOCKER_URL_PARAMETERS.join(', ')})`,
      );
    }
    if (params.has(key))
      throw new FetchCoreError('INVALID_PARAMETER', `${shown}: parameter "${key}" given twice`);
    params.set(key, segment.slice(eq + 1));
  }
  return params;
}

function parseTag(url: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isValidTag(value)) {
    throw new FetchCoreError(
      'INVALID_TAG',
      `bad docker:// URL "${redactDockerUrl(url)}": invalid tag "${value}": expected 1 to 128 of letters, digits, "_", "." and "-", not starting with "." or "-"`,
    );
  }
  return value;
}

function parseDigestParameter(url: string, value: string | undefined): Digest | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDigest(value);
  } catch (e) {
    throw new FetchCoreError(
      'INVALID_DIGEST',
      `bad docker:// URL "${redactDockerUrl(url)}": ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** Whether `host` (the part before the first `/`) is taken for a registry, not a Docker Hub namespace. */
function namesRegistry(host: string): boolean {
  try {
    // A Docker Hub namespace stays in the repository (`debian/x`); a registry host leaves it.
    return !parseReference(`${host}/x`).repository.startsWith(`${host}/`);
  } catch {
    return false; // not a valid name at all: the full parse names what is wrong
  }
}

/** Maps the container name to a reference; it must be a bare name (tag and digest come as parameters). */
function nameToReference(url: string, containerName: string): Reference {
  let ref: Reference;
  try {
    ref = parseReference(containerName);
  } catch (e) {
    if (e instanceof InvalidReferenceError) fail('INVALID_NAME', url, e.message, e);
    throw e;
  }
  if (ref.tag !== undefined) {
    fail(
      'INVALID_NAME',
      url,
      `the image name "${containerName}" carries a tag; write it as ";tag=${ref.tag}" after the name`,
    );
  }
  return ref;
}

/**
 * Parses a `docker://` URL as bitbake splits it (host = first path component, path = the rest), validates
 * every part, and maps it to a {@link Reference}. Throws {@link FetchCoreError} (`INVALID_URL`,
 * `INVALID_PARAMETER`, `INVALID_TAG`, `INVALID_DIGEST`, `INVALID_NAME`) naming the offending part.
 */
export function parseDockerUrl(url: string): DockerUrl {
  if (!url.startsWith(DOCKER_SCHEME)) {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
    fail(
      'INVALID_URL',
      url,
      scheme ? `unsupported scheme "${scheme}" (expected docker://)` : 'expected docker://',
    );
  }
  // Control characters and blanks never belong in a SRC_URI entry (bitbake splits SRC_URI on blanks).
  if (/[\s\p{Cc}]/u.test(url)) fail('INVALID_URL', url, 'it contains whitespace or control characters');
  const rest = url.slice(DOCKER_SCHEME.length);
  const semicolon = rest.indexOf(';');
  const location = semicolon < 0 ? rest : rest.slice(0, semicolon);
  const parm = semicolon < 0 ? '' : rest.slice(semicolon + 1);
  if (location === '') fail('INVALID_URL', url, 'no image name after docker://');

  const at = splitAtSign(location);
  if (at?.userInfo)
    fail('INVALID_URL', url, 'user or credentials in the URL are not supported; use an auth file');
  if (at && DIGEST_LIKE.test(at.after)) {
    fail('INVALID_URL', url, `a digest in the image name; write it as ";digest=${at.after}"`);
  }
  if (at) fail('INVALID_URL', url, '"@" is not allowed in the image name');
  if (location.includes('%')) fail('INVALID_URL', url, 'percent-encoding is not allowed in the image name');

  const slash = location.indexOf('/');
  const host = slash < 0 ? location : location.slice(0, slash);
  const path = slash < 0 ? '/' : location.slice(slash);
  if (host === '') fail('INVALID_URL', url, 'empty host: the image name must not start with "/"');
  if (slash >= 0 && path === '/' && namesRegistry(host)) {
    // bitbake drops an empty path, so "quay.io/" would quietly become the Docker Hub image "quay.io".
    fail(
      'INVALID_NAME',
      url,
      `no repository after the registry "${host}": write docker://${host}/<repository>`,
    );
  }
  const containerName = host + (path !== '/' ? path : '');

  const params = parseParameters(url, parm);
  const explicitTag = parseTag(url, params.get('tag'));
  const digest = parseDigestParameter(url, params.get('digest'));
  const name = nameToReference(url, containerName);
  const tag = explicitTag ?? DEFAULT_TAG;
  const reference: Reference = { ...name, tag, ...(digest !== undefined ? { digest } : {}) };
  return {
    url,
    host,
    path,
    containerName,
    localName: containerName.replaceAll('/', '.'),
    tag,
    tagExplicit: explicitTag !== undefined,
    ...(digest !== undefined ? { digest } : {}),
    reference,
  };
}
