import type { RegistriesConf } from '../config/registries-conf.js';
import { splitHostPort } from '../http/host.js';

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
