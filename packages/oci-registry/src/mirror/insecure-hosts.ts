import type { RegistriesConf } from '../config/registries-conf.js';
import { splitHostPort } from '../http/host.js';
import { prefixMatchEnd } from './prefix-match.js';

/** Hosts that may use plain HTTP / unverified TLS: the option plus registries.conf `insecure` entries. */
export function insecureHostSet(conf: RegistriesConf, explicit: readonly string[]): Set<string> {
  const hosts = new Set(explicit.map((h) => h.toLowerCase()));
  for (const registry of conf.registries) {
    if (registry.insecure) {
      const location = registry.location || registry.prefix;
      if (!location.startsWith('*.')) hosts.add((location.split('/')[0] ?? '').toLowerCase());
    }
    for (const mirror of registry.mirrors) {
      if (mirror.insecure) hosts.add((mirror.location.split('/')[0] ?? '').toLowerCase());
    }
  }
  // `host:443` and `host` name the same endpoint.
  for (const host of [...hosts]) {
    const { hostname, port } = splitHostPort(host);
    if (port === 443) hosts.add(hostname);
  }
  return hosts;
}

/**
 * {@link insecureHostSet} as a test of one `host[:port]`, plus the hosts under an insecure `*.domain` entry
 * without location (`*.corp.example` covers `build.corp.example:5000`).
 */
export function insecureHostCheck(
  conf: RegistriesConf,
  explicit: readonly string[],
): (host: string) => boolean {
  const hosts = insecureHostSet(conf, explicit);
  const wildcards = conf.registries
    .filter((r) => r.insecure && r.location === '' && r.prefix.startsWith('*.'))
    .map((r) => r.prefix.toLowerCase());
  return (host) => {
    const lower = host.toLowerCase();
    return hosts.has(lower) || wildcards.some((prefix) => prefixMatchEnd(`${lower}/`, prefix) >= 0);
  };
}
