import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { RegistryError } from '../errors/registry-error.js';
import { type ClientEnvironment, configHome, etcPath } from './environment.js';

/**
 * registries.conf `pull-from-mirror`: which references a mirror may serve (`digest-only` keeps tags
 * upstream).
 */
export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

/** One `[[registry.mirror]]` table of containers-registries.conf(5). */
export interface MirrorConfig {
  readonly location: string;
  readonly insecure: boolean;
  readonly pullFromMirror: PullFromMirror;
}

/** One `[[registry]]` table of containers-registries.conf(5). */
export interface RegistryConfig {
  /** What references it applies to: `host[:port][/path]` or `*.domain`. Defaults to `location`. */
  readonly prefix: string;
  /** Where matching references really live (`prefix` rewritten to this); empty for wildcard prefixes. */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
  readonly mirrors: readonly MirrorConfig[];
}

/** What {@link loadRegistriesConf} read: the `[[registry]]` tables, and the files they came from. */
export interface RegistriesConf {
  /** The files read, in order (drop-ins after the main file). */
  readonly files: readonly string[];
  readonly registries: readonly RegistryConfig[];
}

/**
 * Finds and reads registries.conf as containers/image does: an explicit path (option, or
 * `CONTAINERS_REGISTRIES_CONF`) alone; otherwise the user file `~/.config/containers/registries.conf` if it
 * exists, else `/etc/containers/registries.conf`, each followed by the `registries.conf.d/*.conf` drop-ins next to
 * it. A later `[[registry]]` with the same prefix replaces an earlier one.
 */
export function loadRegistriesConf(environment: ClientEnvironment, explicitPath?: string): RegistriesConf {
  const explicit = explicitPath ?? environment.env.CONTAINERS_REGISTRIES_CONF;
  const files: string[] = [];
  if (explicit) {
    if (!existsSync(explicit))
      throw new RegistryError('CONFIG', `registries.conf ${explicit} does not exist`);
    files.push(explicit);
  } else {
    const user = join(configHome(environment), 'containers', 'registries.conf');
    const system = etcPath(environment, 'containers', 'registries.conf');
    const main = existsSync(user) ? user : existsSync(system) ? system : undefined;
    const dropInDir = join(dirname(main ?? system), 'registries.conf.d');
    if (main) files.push(main);
    files.push(...dropIns(dropInDir));
  }
  const byPrefix = new Map<string, RegistryConfig>();
  for (const file of files) {
    for (const registry of parseRegistriesConf(readFileSync(file, 'utf8'), file)) {
      byPrefix.set(registry.prefix, registry);
    }
  }
  return { files, registries: [...byPrefix.values()] };
}

function dropIns(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.conf'))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** Parses one registries.conf (version 2 tables, plus the version 1 `[registries.insecure/block]` lists). */
export function parseRegistriesConf(text: string, file = 'registries.conf'): RegistryConfig[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new RegistryError('CONFIG', `${file} is not valid TOML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const out: RegistryConfig[] = [];
  const tables = doc.registry;
  if (tables !== undefined && !Array.isArray(tables)) {
    throw new RegistryError('CONFIG', `${file}: "registry" must be an array of tables ([[registry]])`);
  }
  for (const table of (tables ?? []) as Array<Record<string, unknown>>) {
    out.push(registryEntry(table, file));
  }
  // Version 1 format: plain host lists.
  const v1 = doc.registries as Record<string, { registries?: unknown }> | undefined;
  for (const [kind, flag] of [
    ['insecure', 'insecure'],
    ['block', 'blocked'],
  ] as const) {
    const list = v1?.[kind]?.registries;
    if (!Array.isArray(list)) continue;
    for (const host of list) {
      if (typeof host !== 'string') continue;
      out.push({
        prefix: host,
        location: host,
        insecure: flag === 'insecure',
        blocked: flag === 'blocked',
        mirrors: [],
      });
    }
  }
  return out;
}

function registryEntry(table: Record<string, unknown>, file: string): RegistryConfig {
  const location = stringField(table, 'location', file) ?? '';
  const prefix = stringField(table, 'prefix', file) ?? location;
  if (!prefix) throw new RegistryError('CONFIG', `${file}: a [[registry]] needs "prefix" or "location"`);
  if (prefix.startsWith('*.') && location) {
    throw new RegistryError('CONFIG', `${file}: wildcard prefix "${prefix}" cannot have a location`);
  }
  const legacyDigestOnly = table['mirror-by-digest-only'] === true;
  const mirrorTables = (table.mirror ?? []) as Array<Record<string, unknown>>;
  if (!Array.isArray(mirrorTables)) {
    throw new RegistryError('CONFIG', `${file}: "mirror" must be an array of tables ([[registry.mirror]])`);
  }
  const mirrors = mirrorTables.map((m): MirrorConfig => {
    const mirrorLocation = stringField(m, 'location', file);
    if (!mirrorLocation) throw new RegistryError('CONFIG', `${file}: a [[registry.mirror]] needs "location"`);
    const pull = stringField(m, 'pull-from-mirror', file) ?? (legacyDigestOnly ? 'digest-only' : 'all');
    if (pull !== 'all' && pull !== 'digest-only' && pull !== 'tag-only') {
      throw new RegistryError('CONFIG', `${file}: pull-from-mirror must be all, digest-only or tag-only`);
    }
    return { location: stripScheme(mirrorLocation), insecure: m.insecure === true, pullFromMirror: pull };
  });
  return {
    prefix: stripScheme(prefix),
    location: stripScheme(location),
    insecure: table.insecure === true,
    blocked: table.blocked === true,
    mirrors,
  };
}

function stringField(table: Record<string, unknown>, name: string, file: string): string | undefined {
  const value = table[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RegistryError('CONFIG', `${file}: "${name}" must be a string`);
  return value;
}

/** Locations are written without a scheme; tolerate (and drop) one, and a trailing slash. */
function stripScheme(location: string): string {
  return location.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}
