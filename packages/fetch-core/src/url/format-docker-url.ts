import type { Digest } from '@isar/oci-spec';
import { DOCKER_SCHEME, type DockerUrl } from './docker-url.js';

/** What {@link formatDockerUrl} needs; a {@link DockerUrl} qualifies. */
export interface DockerUrlParts {
  readonly containerName: string;
  readonly tag?: string;
  /** When false, `tag` is a default and is left out of the URL. */
  readonly tagExplicit?: boolean;
  readonly digest?: Digest;
}

/** Writes `docker://<name>[;digest=<digest>][;tag=<tag>]`, the form Isar's documentation uses. */
export function formatDockerUrl(parts: DockerUrlParts): string {
  let url = DOCKER_SCHEME + parts.containerName;
  if (parts.digest !== undefined) url += `;digest=${parts.digest}`;
  if (parts.tag !== undefined && parts.tagExplicit !== false) url += `;tag=${parts.tag}`;
  return url;
}

/**
 * The URL as written, pinned to `digest`: any `digest=` parameter is dropped and `;digest=<digest>` appended.
 * Without one it is exactly `<url>;digest=<digest>`, the line upstream's fetcher suggests.
 */
export function urlWithDigest(url: DockerUrl | string, digest: Digest): string {
  const text = typeof url === 'string' ? url : url.url;
  const semicolon = text.indexOf(';');
  if (semicolon < 0) return `${text};digest=${digest}`;
  const segments = text.slice(semicolon + 1).split(';');
  const kept = segments.filter((s) => !s.startsWith('digest='));
  if (kept.length === segments.length) return `${text};digest=${digest}`;
  const params = kept.filter((s) => s !== '');
  return `${[text.slice(0, semicolon), ...params].join(';')};digest=${digest}`;
}

/** The recipe line upstream prints: `SRC_URI = "<url>"`. */
export function srcUriLine(url: string): string {
  return `SRC_URI = "${url}"`;
}
