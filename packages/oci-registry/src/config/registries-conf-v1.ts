import { RegistryError } from '../errors/registry-error.js';
import type { RegistryConfig } from './registries-conf.js';
import { parseRegistryLocation } from './registry-location.js';

/**
 * The version 1 format's `[registries.insecure]` and `[registries.block]` host lists as `[[registry]]` entries,
 * one per host (a host in both lists is insecure and blocked); hosts are trimmed like locations
 * (`registry-b.com////` is `registry-b.com`) and a URI scheme is refused. `[registries.search]` is not used:
 * unqualified names always mean Docker Hub here.
 */
export function registriesFromV1(tables: unknown, file: string): RegistryConfig[] {
  const byHost = new Map<string, { insecure: boolean; blocked: boolean }>();
  for (const [kind, flag] of [
    ['insecure', 'insecure'],
    ['block', 'blocked'],
  ] as const) {
    const list = (tables as Record<string, { registries?: unknown } | undefined>)[kind]?.registries;
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((h) => typeof h !== 'string')) {
      throw new RegistryError(
        'CONFIG',
        `${file}: [registries.${kind}] registries must be an array of strings`,
      );
    }
    for (const raw of list as string[]) {
      const host = parseRegistryLocation(raw, `${file}: [registries.${kind}] "${raw}"`);
      const entry = byHost.get(host) ?? { insecure: false, blocked: false };
      entry[flag] = true;
      byHost.set(host, entry);
    }
  }
  return [...byHost].map(([host, flags]) => ({ prefix: host, location: host, ...flags, mirrors: [], file }));
}
