import { existsSync } from 'node:fs';
import { registerSecret } from '../errors/redact.js';
import { RegistryError } from '../errors/registry-error.js';
import {
  authFilePaths,
  entryCredentials,
  lookupKeys,
  normalizeRegistryHost,
  readAuthFile,
} from './auth-file.js';
import { runCredentialHelper } from './credential-helper.js';
import type { CredentialLookup, Credentials, FoundCredentials } from './credentials.js';
import type { ClientEnvironment } from './environment.js';

export interface CredentialStoreOptions {
  environment: ClientEnvironment;
  /** Explicit auth file (skopeo's `--authfile`); `REGISTRY_AUTH_FILE` otherwise. */
  authFile?: string;
  /** Credentials given by the caller, by registry host (`host` or `host/ns/repo` keys); they win over files. */
  credentials?: Readonly<Record<string, Credentials>>;
  /**
   * registries.conf `credential-helpers`, in order: `containers-auth.json` means the auth files, any other name
   * `docker-credential-<name>`. Default: the auth files only.
   */
  credentialHelpers?: readonly string[];
}

/** The `credential-helpers` name that stands for the auth files. */
const AUTH_FILES_HELPER = 'containers-auth.json';

/**
 * Credential lookup in skopeo's order: credentials given by the caller, then each of registries.conf's
 * `credential-helpers` (default: the auth files alone). Within one file: a `credHelpers` entry for the host,
 * then the most specific `auths` key with real content, then `credsStore`. The first file that yields
 * credentials wins; a later file is never merged in. Results are cached per key for the life of the client.
 */
export function createCredentialStore(options: CredentialStoreOptions): CredentialLookup {
  const cache = new Map<string, Promise<FoundCredentials | undefined>>();
  // A file the user named must be there (skopeo and podman stop too): ignoring it would turn a typo into a
  // 401 much later, with a hint to pass the very file that was passed.
  const named = options.authFile ?? options.environment.env.REGISTRY_AUTH_FILE;
  if (named && !existsSync(named)) {
    const via = options.authFile ? '' : ' (named by REGISTRY_AUTH_FILE)';
    throw new RegistryError('CONFIG', `auth file ${named}${via} does not exist`);
  }
  const paths = authFilePaths(options.environment, options.authFile);
  const given = new Map(
    Object.entries(options.credentials ?? {}).map(([k, v]) => [normalizeRegistryHost(k), v] as const),
  );
  // Given credentials are secrets like those of an auth file: a registry may echo them in an error body.
  for (const credentials of given.values()) {
    if (credentials.kind === 'basic') {
      registerSecret(credentials.password);
      registerSecret(`${credentials.username}:${credentials.password}`); // and its base64, as sent
    } else registerSecret(credentials.token);
  }

  async function find(registry: string, repository: string | undefined, signal?: AbortSignal) {
    const keys = lookupKeys(registry, repository);
    for (const key of keys) {
      const credentials = given.get(key);
      if (credentials) return { credentials, source: 'options' };
    }
    const host = normalizeRegistryHost(registry);
    for (const helper of options.credentialHelpers ?? [AUTH_FILES_HELPER]) {
      if (helper === AUTH_FILES_HELPER) {
        const found = await fromFiles(host, keys, signal);
        if (found) return found;
        continue;
      }
      const credentials = await runCredentialHelper(helper, host, options.environment.env, signal);
      if (credentials) return { credentials, source: `docker-credential-${helper}` };
    }
    return undefined;
  }

  async function fromFiles(host: string, keys: readonly string[], signal?: AbortSignal) {
    for (const path of paths) {
      const file = await readAuthFile(path);
      if (!file) continue;
      const helper = file.credHelpers.get(host);
      if (helper) {
        const credentials = await runCredentialHelper(helper, host, options.environment.env, signal);
        if (credentials) return { credentials, source: `docker-credential-${helper}` };
      }
      for (const key of keys) {
        const entry = file.auths.get(key);
        const credentials = entry ? entryCredentials(entry, path) : undefined;
        if (credentials) return { credentials, source: path };
      }
      if (file.credsStore) {
        const credentials = await runCredentialHelper(file.credsStore, host, options.environment.env, signal);
        if (credentials) return { credentials, source: `docker-credential-${file.credsStore}` };
      }
    }
    return undefined;
  }

  return (registry, repository, signal) => {
    const key = `${normalizeRegistryHost(registry)}|${repository ?? ''}`;
    let found = cache.get(key);
    if (!found) {
      found = find(registry, repository, signal);
      cache.set(key, found);
      // A failed lookup (aborted, helper crashed) is not remembered.
      found.catch(() => cache.delete(key));
    }
    return found;
  };
}
