import { isAbsolute, resolve } from 'node:path';
import { LoaderError } from '../errors.js';
import type { ConfigAssignment } from './config-file.js';

/** The engines the loader can load into (`--engine`, `CONTAINER_ENGINE`). */
export const ENGINES = ['docker', 'podman', 'registry'] as const;
/** One of {@link ENGINES}. */
export type EngineName = (typeof ENGINES)[number];

/** Where the `registry` engine pushes when nothing else is said: a registry on the device itself. */
export const DEFAULT_REGISTRY_URL = 'http://127.0.0.1:5000';

/** Everything a run needs, after flags, config file and defaults were merged and checked. */
export interface LoaderSettings {
  /** Absolute directory holding the archives. */
  imagesDir: string;
  /** Absolute path of the image list when one was named (`--list` / `IMAGE_LIST`); else it is discovered. */
  listFile?: string;
  engine: EngineName;
  /** Registry the `registry` engine pushes to (`http://` or `https://`, optional `user:password@`). */
  registryUrl: string;
  deleteAfterLoad: boolean;
  force: boolean;
  json: boolean;
  /** Where the `registry` engine stages layers while it pushes (disk-backed, not tmpfs, on devices). */
  tmpDir: string;
  /** Environment of the engines (`DOCKER_HOST`, `CONTAINERS_STORAGE_CONF`, `CONTAINER_LOADER_DOCKER`...). */
  env: Readonly<Record<string, string | undefined>>;
}

/** What the command line said; `undefined` means "not given" so the config file can fill it in. */
export interface FlagValues {
  imagesDir?: string;
  list?: string;
  engine?: string;
  registryUrl?: string;
  deleteAfterLoad?: boolean;
  force?: boolean;
  json?: boolean;
  tmpDir?: string;
}

/** Config file keys that are loader settings; every other key is passed to the engines' environment. */
const SETTING_KEYS = new Set([
  'CONTAINER_ENGINE',
  'IMAGES_DIR',
  'IMAGE_LIST',
  'REGISTRY_URL',
  'DELETE_AFTER_LOAD',
  'CONTAINER_DELETE_AFTER_LOAD',
  'FORCE',
  'TMP_DIR',
]);

export interface ResolveOptions {
  flags: FlagValues;
  file?: { path: string; assignments: readonly ConfigAssignment[] };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/**
 * Merges the command line over the config file over defaults. Paths in the config file must be absolute
 * (under systemd there is no meaningful working directory); on the command line they are relative to `cwd`.
 */
export function resolveSettings({ flags, file, env, cwd }: ResolveOptions): LoaderSettings {
  const fromFile = new Map<string, ConfigAssignment>();
  const extraEnv: Record<string, string> = {};
  for (const assignment of file?.assignments ?? []) {
    if (SETTING_KEYS.has(assignment.key)) fromFile.set(assignment.key, assignment);
    else extraEnv[assignment.key] = assignment.value;
  }
  const where = (key: string) => {
    const a = fromFile.get(key);
    return a && file ? `${file.path}:${a.line} (${key})` : key;
  };
  const filePath = (key: string): string | undefined => {
    const a = fromFile.get(key);
    if (!a || a.value === '') return undefined;
    if (!isAbsolute(a.value))
      throw new LoaderError('CONFIG', `${where(key)}: "${a.value}" must be an absolute path`);
    return a.value;
  };
  const fileBool = (...keys: string[]): boolean | undefined => {
    for (const key of keys) {
      const a = fromFile.get(key);
      if (a) return parseBoolean(a.value, where(key));
    }
    return undefined;
  };

  const imagesDirRaw = flags.imagesDir ?? filePath('IMAGES_DIR');
  if (!imagesDirRaw) {
    throw new LoaderError(
      'USAGE',
      'no images directory: give --images-dir <dir> (or IMAGES_DIR in --config)',
    );
  }
  const engineRaw = flags.engine ?? fromFile.get('CONTAINER_ENGINE')?.value;
  if (!engineRaw) {
    throw new LoaderError('USAGE', 'no engine: give --engine docker|podman|registry (or CONTAINER_ENGINE)');
  }
  if (!(ENGINES as readonly string[]).includes(engineRaw)) {
    const source = flags.engine !== undefined ? '--engine' : where('CONTAINER_ENGINE');
    throw new LoaderError('USAGE', `${source}: unknown engine "${engineRaw}" (docker, podman or registry)`);
  }
  const listRaw = flags.list ?? filePath('IMAGE_LIST');
  const registryUrl = flags.registryUrl ?? (fromFile.get('REGISTRY_URL')?.value || DEFAULT_REGISTRY_URL);
  checkRegistryUrl(registryUrl, flags.registryUrl !== undefined ? '--registry-url' : where('REGISTRY_URL'));
  const tmpRaw = flags.tmpDir ?? filePath('TMP_DIR') ?? env.TMPDIR ?? '/var/tmp';

  return {
    imagesDir: resolve(cwd, imagesDirRaw),
    ...(listRaw ? { listFile: resolve(cwd, listRaw) } : {}),
    engine: engineRaw as EngineName,
    registryUrl,
    deleteAfterLoad:
      flags.deleteAfterLoad ?? fileBool('DELETE_AFTER_LOAD', 'CONTAINER_DELETE_AFTER_LOAD') ?? false,
    force: flags.force ?? fileBool('FORCE') ?? false,
    json: flags.json ?? false,
    tmpDir: resolve(cwd, tmpRaw),
    // The process environment wins over the file, as flags win over it: under systemd both are the same file.
    env: { ...extraEnv, ...env },
  };
}

/** `1/0`, `true/false`, `yes/no`, `on/off` (any case), as /etc/default files and systemd spell them. */
export function parseBoolean(value: string, where: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', 'y'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', 'n', ''].includes(v)) return false;
  throw new LoaderError('CONFIG', `${where}: "${value}" is not a boolean (1/0, true/false, yes/no, on/off)`);
}

function checkRegistryUrl(value: string, where: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new LoaderError('USAGE', `${where}: "${value}" is not a URL (e.g. ${DEFAULT_REGISTRY_URL})`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LoaderError('USAGE', `${where}: registry URL must be http:// or https://, not ${url.protocol}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new LoaderError('USAGE', `${where}: registry URL must name only scheme, host and port`);
  }
}
