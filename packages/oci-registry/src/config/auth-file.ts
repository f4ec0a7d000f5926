import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registerSecret } from '../errors/redact.js';
import { RegistryError } from '../errors/registry-error.js';
import type { Credentials } from './credentials.js';
import { type ClientEnvironment, configHome } from './environment.js';

/** The parts of `auth.json` / docker `config.json` we read. */
export interface AuthFile {
  readonly path: string;
  readonly auths: ReadonlyMap<string, AuthEntry>;
  readonly credHelpers: ReadonlyMap<string, string>;
  readonly credsStore: string | undefined;
}

export interface AuthEntry {
  readonly auth?: string;
  readonly identitytoken?: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * The auth files in the order skopeo (containers/image) reads them. An explicit file (option or
 * `REGISTRY_AUTH_FILE`) replaces the runtime file and suppresses the `XDG_CONFIG_HOME` one, as there.
 */
export function authFilePaths(environment: ClientEnvironment, explicit?: string): string[] {
  const paths: string[] = [];
  const userSpecified = explicit ?? environment.env.REGISTRY_AUTH_FILE;
  if (userSpecified) {
    paths.push(userSpecified);
  } else {
    const runtimeDir = environment.env.XDG_RUNTIME_DIR;
    if (runtimeDir) paths.push(join(runtimeDir, 'containers', 'auth.json'));
    paths.push(join(configHome(environment), 'containers', 'auth.json'));
  }
  const dockerConfig = environment.env.DOCKER_CONFIG;
  paths.push(join(dockerConfig || join(environment.homeDir, '.docker'), 'config.json'));
  return paths;
}

/**
 * Normalises an `auths` key: legacy keys carry a scheme and path (`https://index.docker.io/v1/`), only their host
 * counts; Docker Hub's hosts all mean `docker.io`.
 */
export function normalizeAuthKey(key: string): string {
  let out = key.trim();
  const scheme = out.match(/^[a-z][a-z0-9+.-]*:\/\//i);
  if (scheme) {
    out = out.slice(scheme[0].length);
    const slash = out.indexOf('/');
    if (slash >= 0) out = out.slice(0, slash);
  }
  out = out.replace(/\/+$/, '');
  return normalizeRegistryHost(out);
}

/** `index.docker.io`, `registry-1.docker.io` and `docker.io` are one registry for credentials. */
export function normalizeRegistryHost(host: string): string {
  const [first, ...rest] = host.split('/');
  const h = (first ?? '').toLowerCase();
  const normal = h === 'index.docker.io' || h === 'registry-1.docker.io' ? 'docker.io' : h;
  return [normal, ...rest].join('/');
}

/** Reads one auth file; `undefined` when it does not exist. Invalid JSON is a `CONFIG` error naming the file. */
export async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new RegistryError('CONFIG', `cannot read auth file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let parsed: { auths?: unknown; credHelpers?: unknown; credsStore?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new RegistryError('CONFIG', `auth file ${path} is not valid JSON`, { cause: error });
  }
  const auths = new Map<string, AuthEntry>();
  if (parsed.auths && typeof parsed.auths === 'object') {
    for (const [key, value] of Object.entries(parsed.auths as Record<string, unknown>)) {
      if (value && typeof value === 'object') {
        const entry = value as AuthEntry;
        registerSecret(entry.auth);
        registerSecret(entry.identitytoken);
        registerSecret(entry.password);
        const normal = normalizeAuthKey(key);
        // An exact modern key beats a legacy URL key normalising to the same host.
        if (!auths.has(normal) || !/^[a-z]+:\/\//i.test(key)) auths.set(normal, entry);
      }
    }
  }
  const credHelpers = new Map<string, string>();
  if (parsed.credHelpers && typeof parsed.credHelpers === 'object') {
    for (const [key, value] of Object.entries(parsed.credHelpers as Record<string, unknown>)) {
      if (typeof value === 'string' && value) credHelpers.set(normalizeAuthKey(key), value);
    }
  }
  const credsStore =
    typeof parsed.credsStore === 'string' && parsed.credsStore ? parsed.credsStore : undefined;
  return { path, auths, credHelpers, credsStore };
}

/** Keys to try for a repository, most specific first: `host/ns/repo`, `host/ns`, `host`. */
export function lookupKeys(registry: string, repository: string | undefined): string[] {
  const host = normalizeRegistryHost(registry);
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join('/')}`);
  }
  keys.push(host);
  return keys;
}

/** Decodes an `auths` entry into credentials (`undefined` for placeholder entries such as `{}`). */
export function entryCredentials(entry: AuthEntry, path: string): Credentials | undefined {
  if (entry.identitytoken) {
    return { kind: 'identity-token', token: entry.identitytoken };
  }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new RegistryError(
        'CONFIG',
        `auth file ${path}: an "auth" value is not base64 of "user:password"`,
      );
    }
    registerSecret(decoded.slice(colon + 1));
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) {
    return { kind: 'basic', username: entry.username, password: entry.password };
  }
  return undefined;
}
