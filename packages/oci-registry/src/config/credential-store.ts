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
}

/**
 * Credential lookup in skopeo's order. Within one file: a `credHelpers` entry for the host, then the most
 * specific `auths` key with real content, then `credsStore`. The first file that yields credentials wins; a later
 * file is never merged in. Results are cached per key for the life of the client.
 */
export function createCredentialStore(options: CredentialStoreOptions): CredentialLookup {
  const cache = new Map<string, Promise<FoundCredentials | undefined>>();
  const paths = authFilePaths(options.environment, options.authFile);
  const given = new Map(
    Object.entries(options.credentials ?? {}).map(([k, v]) => [normalizeRegistryHost(k), v] as const),
  );

  async function find(registry: string, repository: string | undefined, signal?: AbortSignal) {
    const keys = lookupKeys(registry, repository);
    for (const key of keys) {
      const credentials = given.get(key);
      if (credentials) return { credentials, source: 'options' };
    }
    const host = normalizeRegistryHost(registry);
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
