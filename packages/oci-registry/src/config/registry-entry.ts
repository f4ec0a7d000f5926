import { RegistryError } from '../errors/registry-error.js';
import type { MirrorConfig, PullFromMirror, RegistryConfig } from './registries-conf.js';
import { parseRegistryLocation } from './registry-location.js';

const PULL_FROM_MIRROR: readonly string[] = ['all', 'digest-only', 'tag-only'];

/**
 * One `[[registry]]` table, checked as containers/image checks it: locations and prefixes without scheme and
 * trailing `/`; `prefix` unset or `""` means `location`; an empty location only with a `*.domain` prefix;
 * `pull-from-mirror` only on mirrors, and not together with `mirror-by-digest-only`; a mirror needs a location.
 * Errors are `CONFIG` and name the file and the entry (`#n`, with its prefix or location).
 */
export function registryEntry(table: Record<string, unknown>, file: string, index: number): RegistryConfig {
  const rawLocation = stringField(table, 'location', file, index) ?? '';
  const rawPrefix = stringField(table, 'prefix', file, index) ?? '';
  const where = `${file}: [[registry]] #${index} (${rawPrefix ? `prefix "${rawPrefix}"` : `location "${rawLocation}"`})`;
  const location = parseRegistryLocation(rawLocation, where);
  let prefix: string;
  if (rawPrefix === '') {
    if (location === '')
      throw new RegistryError('CONFIG', `${where}: invalid condition: both location and prefix are unset`);
    prefix = location;
  } else {
    prefix = parseRegistryLocation(rawPrefix, where);
  }
  if (location === '' && !prefix.startsWith('*.')) {
    throw new RegistryError(
      'CONFIG',
      `${where}: invalid condition: location is unset and prefix "${prefix}" is not a wildcard (*.example.com)`,
    );
  }
  const insecure = boolField(table, 'insecure', where);
  const blocked = boolField(table, 'blocked', where);
  const digestOnly = boolField(table, 'mirror-by-digest-only', where);
  if (table['pull-from-mirror'] !== undefined) {
    throw new RegistryError(
      'CONFIG',
      `${where}: pull-from-mirror must not be set for a non-mirror registry "${prefix}" (set it on each [[registry.mirror]])`,
    );
  }
  const mirrorTables = table.mirror ?? [];
  if (!Array.isArray(mirrorTables) || mirrorTables.some((m) => typeof m !== 'object')) {
    throw new RegistryError('CONFIG', `${where}: "mirror" must be an array of tables ([[registry.mirror]])`);
  }
  const mirrors = (mirrorTables as Array<Record<string, unknown>>).map((m, i): MirrorConfig => {
    const mirrorWhere = `${where}, [[registry.mirror]] #${i + 1}`;
    const mirrorLocation = parseRegistryLocation(stringField(m, 'location', file, index) ?? '', mirrorWhere);
    if (mirrorLocation === '') {
      throw new RegistryError('CONFIG', `${mirrorWhere}: invalid condition: mirror location is unset`);
    }
    const pull = stringField(m, 'pull-from-mirror', file, index);
    if (pull !== undefined && digestOnly) {
      throw new RegistryError(
        'CONFIG',
        `${mirrorWhere}: cannot set mirror usage mirror-by-digest-only for the registry ("${prefix}") and ` +
          `pull-from-mirror for per-mirror ("${mirrorLocation}") at the same time`,
      );
    }
    if (pull !== undefined && pull !== '' && !PULL_FROM_MIRROR.includes(pull)) {
      throw new RegistryError(
        'CONFIG',
        `${mirrorWhere}: unsupported pull-from-mirror value "${pull}" for mirror "${mirrorLocation}" ` +
          '(expected all, digest-only or tag-only)',
      );
    }
    const pullFromMirror = (pull || (digestOnly ? 'digest-only' : 'all')) as PullFromMirror;
    return { location: mirrorLocation, insecure: boolField(m, 'insecure', mirrorWhere), pullFromMirror };
  });
  return { prefix, location, insecure, blocked, mirrors, file };
}

function stringField(
  table: Record<string, unknown>,
  name: string,
  file: string,
  index: number,
): string | undefined {
  const value = table[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new RegistryError('CONFIG', `${file}: [[registry]] #${index}: "${name}" must be a string`);
  }
  return value;
}

function boolField(table: Record<string, unknown>, name: string, where: string): boolean {
  const value = table[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new RegistryError('CONFIG', `${where}: "${name}" must be true or false`);
  return value;
}
