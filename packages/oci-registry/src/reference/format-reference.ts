import { DOCKER_HUB, DOCKER_HUB_ENDPOINT, type Reference } from './reference.js';

const LEGACY_DOCKER_HUB = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

/** The canonical, fully qualified form: `registry/repository[:tag][@digest]` (`docker.io/library/debian:12`). */
export function formatReference(ref: Reference): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/**
 * The name as docker prints it: Docker Hub's registry left out and `library/` dropped from official images
 * (`debian`, `bitnami/redis`, `quay.io/libpod/alpine`). No tag or digest. It always parses back to `ref`.
 */
export function familiarName(ref: Reference): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  const rest = ref.repository.slice(OFFICIAL_PREFIX.length);
  // A bare 64-hex-digit name would read as an image ID: keep it qualified.
  if (ref.repository.startsWith(OFFICIAL_PREFIX) && !rest.includes('/')) {
    return /^[a-f0-9]{64}$/.test(rest) ? `${ref.registry}/${ref.repository}` : rest;
  }
  // Unlike docker, keep the registry when the first component would read as a host (`docker.io/a.b/c`).
  const first = ref.repository.split('/', 1)[0] ?? '';
  return first.includes('.') || first === 'localhost' ? `${ref.registry}/${ref.repository}` : ref.repository;
}

/** {@link familiarName} with the tag and digest: `debian:bookworm`, `quay.io/libpod/alpine@sha256:...`. */
export function familiarReference(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/**
 * The host[:port] that serves the registry API for a reference (or a registry name): Docker Hub's names
 * are served at `registry-1.docker.io`; every other registry serves itself.
 */
export function registryEndpoint(ref: Reference | string): string {
  const registry = typeof ref === 'string' ? ref : ref.registry;
  return registry === DOCKER_HUB || registry === LEGACY_DOCKER_HUB ? DOCKER_HUB_ENDPOINT : registry;
}
