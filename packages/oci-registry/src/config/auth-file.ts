import { existsSync } from 'node:fs';
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
 * The auth files in the order skopeo (containers/image) reads them: an explicit file (option or
 * `REGISTRY_AUTH_FILE`) alone; otherwise `$XDG_RUNTIME_DIR/containers/auth.json` (skipped when that directory
 * does not exist; `/run/containers/<uid>/auth.json` when the variable is unset, where `podman login` as root
 * writes), `$XDG_CONFIG_HOME/containers/auth.json`, docker's `config.json` (`$DOCKER_CONFIG` or `~/.docker`) and
 * the legacy `~/.dockercfg`.
 */
export function authFilePaths(environment: ClientEnvironment, explicit?: string): string[] {
  const userSpecified = explicit ?? environment.env.REGISTRY_AUTH_FILE;
  if (userSpecified) return [userSpecified];
  const paths: string[] = [];
  const runtimeDir = environment.env.XDG_RUNTIME_DIR;
  if (runtimeDir) {
    if (existsSync(runtimeDir)) paths.push(join(runtimeDir, 'containers', 'auth.json'));
  } else {
    const uid = process.getuid?.() ?? 0;
    paths.push(join(environment.rootDir, 'run', 'containers', String(uid), 'auth.json'));
  }
  paths.push(join(configHome(environment), 'containers', 'auth.json'));
  const dockerConfig = environment.env.DOCKER_CONFIG;
  paths.push(join(dockerConfig || join(environment.homeDir, '.docker'), 'config.json'));
  paths.push(join(environment.homeDir, '.dockercfg'));
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
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegistryError('CONFIG', `auth file ${path} is not a JSON object`);
  }
  const auths = new Map<string, AuthEntry>();
  const rank = new Map<string, number>();
  for (const [key, value] of Object.entries(authsOf(parsed))) {
    if (!value || typeof value !== 'object') continue;
    const entry = value as AuthEntry;
    registerSecret(entry.auth);
    registerSecret(entry.identitytoken);
    registerSecret(entry.password);
    const normal = normalizeAuthKey(key);
    // The exact key beats one normalising to it (`docker.io` over `index.docker.io`, in any order), and a
    // bare host beats a legacy URL key; otherwise the first one stays.
    const keyRank = key === normal ? 2 : /^[a-z]+:\/\//i.test(key) ? 0 : 1;
    if ((rank.get(normal) ?? -1) < keyRank) {
      auths.set(normal, entry);
      rank.set(normal, keyRank);
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

/**
 * The `auths` of a file: its `auths` object, or, in the legacy format of `~/.dockercfg` (and old auth files), the
 * top level itself (`{"https://index.docker.io/v1/": {"auth": ...}}`).
 */
function authsOf(parsed: Record<string, unknown>): Record<string, unknown> {
  if (parsed.auths && typeof parsed.auths === 'object') return parsed.auths as Record<string, unknown>;
  if ('auths' in parsed || 'credHelpers' in parsed || 'credsStore' in parsed) return {};
  const legacy = Object.values(parsed).some(
    (v) => v !== null && typeof v === 'object' && ('auth' in v || 'identitytoken' in v || 'username' in v),
  );
  return legacy ? parsed : {};
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
    // `podman login` keeps the user name next to the token (in `auth`, with an empty password).
    const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const username = colon > 0 ? decoded.slice(0, colon) : entry.username;
    return { kind: 'identity-token', token: entry.identitytoken, ...(username ? { username } : {}) };
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
