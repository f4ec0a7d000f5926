import { formatReference, type Reference } from '@isar/oci-registry';
import type { ImageName } from '../../inputs/image-name.js';

/** The registry URL split into what the client needs: host, scheme hint and credentials. */
export interface RegistryLocation {
  /** `host[:port]` as the client names registries. */
  host: string;
  /** `http://` was asked for: plain HTTP is allowed for this host (explicit opt-in, as `--tls-verify=false`). */
  plainHttp: boolean;
  loopback: boolean;
  credentials?: { username: string; password: string };
}

export function parseRegistryUrl(value: string): RegistryLocation {
  const url = new URL(value);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname);
  return {
    host: url.host,
    plainHttp: url.protocol === 'http:',
    loopback,
    ...(url.username
      ? {
          credentials: {
            username: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
          },
        }
      : {}),
  };
}

/**
 * Where an image goes in the registry: its repository path without the source host, the same tag
 * (`quay.io/libpod/alpine:3.10` -> `<registry>/libpod/alpine:3.10`, `debian:bookworm` ->
 * `<registry>/library/debian:bookworm`), so clients pulling the familiar path through a mirror find it.
 */
export function registryTarget(name: ImageName, host: string): Reference & { tag: string } {
  return { registry: host, repository: name.reference.repository, tag: name.reference.tag };
}

export function formatTarget(name: ImageName, host: string): string {
  return formatReference(registryTarget(name, host));
}
