import { parse as parseToml } from 'smol-toml';
import { RegistryError } from '../errors/registry-error.js';
import type { RegistryConfig } from './registries-conf.js';
import { registriesFromV1 } from './registries-conf-v1.js';
import { registryEntry } from './registry-entry.js';

/** What one registries.conf file says that we use. */
export interface RegistriesConfFile {
  readonly registries: RegistryConfig[];
  readonly credentialHelpers?: string[];
}

/** Keys of version 2 files; a file mixing them with version 1's `[registries.*]` is refused, as in skopeo. */
const V2_KEYS = [
  'registry',
  'unqualified-search-registries',
  'aliases',
  'short-name-mode',
  'credential-helpers',
];

/**
 * Parses and checks one registries.conf file as containers/image does (its entries, then the rules across
 * entries: one registry location may not be both insecure and not, or blocked and not). Errors are `CONFIG`
 * and start with the file name.
 */
export function parseRegistriesConfFile(text: string, file: string): RegistriesConfFile {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new RegistryError('CONFIG', `${file} is not valid TOML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (doc.registries !== undefined) {
    const v2 = V2_KEYS.filter((key) => doc[key] !== undefined);
    if (v2.length > 0) {
      throw new RegistryError(
        'CONFIG',
        `${file}: mixing sysregistry v1/v2 is not supported ([registries.*] tables next to ${v2.join(', ')})`,
      );
    }
    return { registries: registriesFromV1(doc.registries, file) };
  }
  const tables = doc.registry;
  if (tables !== undefined && (!Array.isArray(tables) || tables.some((t) => typeof t !== 'object'))) {
    throw new RegistryError('CONFIG', `${file}: "registry" must be an array of tables ([[registry]])`);
  }
  const registries = ((tables ?? []) as Array<Record<string, unknown>>).map((table, i) =>
    registryEntry(table, file, i + 1),
  );
  checkConflicts(registries, file);
  const helpers = doc['credential-helpers'];
  if (helpers === undefined) return { registries };
  if (!Array.isArray(helpers) || helpers.some((h) => typeof h !== 'string' || h === '')) {
    throw new RegistryError('CONFIG', `${file}: "credential-helpers" must be an array of helper names`);
  }
  return { registries, credentialHelpers: helpers as string[] };
}

/** containers/image's rule: entries for the same location must agree on `insecure` and `blocked`. */
function checkConflicts(registries: readonly RegistryConfig[], file: string): void {
  const byLocation = new Map<string, number>();
  registries.forEach((registry, i) => {
    if (registry.location === '') return;
    const firstIndex = byLocation.get(registry.location);
    if (firstIndex === undefined) {
      byLocation.set(registry.location, i);
      return;
    }
    const first = registries[firstIndex] as RegistryConfig;
    for (const setting of ['insecure', 'blocked'] as const) {
      if (first[setting] !== registry[setting]) {
        throw new RegistryError(
          'CONFIG',
          `${file}: [[registry]] #${i + 1} (location "${registry.location}"): registry '${registry.location}' is ` +
            `defined multiple times with conflicting '${setting}' setting (see [[registry]] #${firstIndex + 1})`,
        );
      }
    }
  });
}
