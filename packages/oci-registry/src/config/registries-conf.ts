import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RegistryError } from '../errors/registry-error.js';
import { type ClientEnvironment, configHome, etcPath } from './environment.js';
import { parseRegistriesConfFile } from './registries-conf-file.js';

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
  /**
   * What references it applies to: `host[:port][/path][:tag|@digest]` or `*.domain`. Defaults to `location`
   * (also when written as `prefix = ""`).
   */
  readonly prefix: string;
  /**
   * Where matching references really live (the matched prefix is rewritten to this; for `*.domain`, the host
   * name). Empty only for `*.domain` prefixes, which then leave references alone.
   */
  readonly location: string;
  readonly insecure: boolean;
  readonly blocked: boolean;
  readonly mirrors: readonly MirrorConfig[];
  /** The file it was read from (errors about the entry name it). */
  readonly file?: string;
}

/** What {@link loadRegistriesConf} read: the `[[registry]]` tables, and the files they came from. */
export interface RegistriesConf {
  /** The files read, in order (drop-ins after the main file). */
  readonly files: readonly string[];
  readonly registries: readonly RegistryConfig[];
  /**
   * `credential-helpers`: where credentials are looked up, in order (`containers-auth.json` stands for the auth
   * files, any other name for `docker-credential-<name>`). Undefined when no file sets it; a later file's list
   * replaces an earlier one.
   */
  readonly credentialHelpers?: readonly string[];
}

/**
 * Finds and reads registries.conf as containers/image does: an explicit path (option, or
 * `CONTAINERS_REGISTRIES_CONF`) alone, unless `dropInDir` is given too; otherwise the user file
 * `~/.config/containers/registries.conf` if it exists, else `/etc/containers/registries.conf`, each followed by
 * the `registries.conf.d/*.conf` drop-ins next to it (or those of `dropInDir`). A later `[[registry]]` with the
 * same prefix replaces an earlier one. A file that containers/image refuses is refused (`CONFIG`, naming the
 * file, the entry and the rule).
 */
export function loadRegistriesConf(
  environment: ClientEnvironment,
  explicitPath?: string,
  dropInDir?: string,
): RegistriesConf {
  const explicit = explicitPath ?? environment.env.CONTAINERS_REGISTRIES_CONF;
  const files: string[] = [];
  if (explicit) {
    if (!existsSync(explicit)) {
      throw new RegistryError(
        'CONFIG',
        `registries.conf ${explicit} does not exist (open ${explicit}: no such file or directory)`,
      );
    }
    files.push(explicit);
    if (dropInDir !== undefined) files.push(...dropIns(dropInDir));
  } else {
    const user = join(configHome(environment), 'containers', 'registries.conf');
    const system = etcPath(environment, 'containers', 'registries.conf');
    const main = existsSync(user) ? user : existsSync(system) ? system : undefined;
    if (main) files.push(main);
    files.push(...dropIns(dropInDir ?? join(dirname(main ?? system), 'registries.conf.d')));
  }
  const byPrefix = new Map<string, RegistryConfig>();
  let credentialHelpers: readonly string[] | undefined;
  for (const file of files) {
    const parsed = parseRegistriesConfFile(readConf(file), file);
    for (const registry of parsed.registries) byPrefix.set(registry.prefix, registry);
    if (parsed.credentialHelpers !== undefined) credentialHelpers = parsed.credentialHelpers;
  }
  return {
    files,
    registries: [...byPrefix.values()],
    ...(credentialHelpers !== undefined ? { credentialHelpers } : {}),
  };
}

function readConf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new RegistryError('CONFIG', `registries.conf ${file} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
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

/**
 * Parses one registries.conf (version 2 tables, or the version 1 `[registries.insecure/block]` lists) into its
 * `[[registry]]` entries; see {@link loadRegistriesConf} for what is refused.
 */
export function parseRegistriesConf(text: string, file = 'registries.conf'): RegistryConfig[] {
  return parseRegistriesConfFile(text, file).registries;
}
