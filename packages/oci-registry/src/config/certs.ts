import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryError } from '../errors/registry-error.js';
import { type ClientEnvironment, configHome, etcPath } from './environment.js';

/** TLS material for one host: extra CAs on top of the system ones, and an optional client certificate. */
export interface TlsMaterial {
  /** Extra CA certificates (PEM); empty means "system CAs only". */
  readonly ca: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  /** Where this came from, for diagnostics. */
  readonly sources: readonly string[];
}

/** The certs.d roots in containers/image's order: user, `/etc/containers`, `/etc/docker`. */
export function defaultCertDirs(environment: ClientEnvironment): string[] {
  return [
    join(configHome(environment), 'containers', 'certs.d'),
    etcPath(environment, 'containers', 'certs.d'),
    etcPath(environment, 'docker', 'certs.d'),
  ];
}

/**
 * CAs named by `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (colon-separated directories of PEM files).
 * They are added to Node's bundled roots rather than replacing them, so a corporate CA does not break public
 * registries.
 */
export function loadEnvironmentCas(environment: ClientEnvironment): TlsMaterial {
  const ca: string[] = [];
  const sources: string[] = [];
  const file = environment.env.SSL_CERT_FILE;
  if (file) {
    ca.push(readPem(file, 'SSL_CERT_FILE'));
    sources.push(file);
  }
  for (const dir of (environment.env.SSL_CERT_DIR ?? '').split(':').filter(Boolean)) {
    for (const name of listDir(dir)) {
      if (!/\.(pem|crt|cer)$/i.test(name) && !/^[0-9a-f]{8}\.\d+$/i.test(name)) continue;
      const path = join(dir, name);
      if (!isFile(path)) continue;
      ca.push(readPem(path, 'SSL_CERT_DIR'));
      sources.push(path);
    }
  }
  return { ca, sources };
}

/**
 * Per-registry material from the first certs.d root that has a directory for the host: `<host:port>` (or
 * `<host>` for port 443). `*.crt` files are CAs; each `*.cert` needs the matching `*.key` (a client certificate),
 * as docker and containers/image require.
 */
export function loadRegistryCerts(certDirs: readonly string[], hostname: string, port: number): TlsMaterial {
  const names = port === 443 ? [`${hostname}:443`, hostname] : [`${hostname}:${port}`];
  for (const root of certDirs) {
    for (const name of names) {
      const dir = join(root, name);
      if (!isDirectory(dir)) continue;
      const ca: string[] = [];
      const sources: string[] = [];
      let cert: string | undefined;
      let key: string | undefined;
      for (const file of listDir(dir).sort()) {
        const path = join(dir, file);
        if (file.endsWith('.crt')) {
          ca.push(readPem(path, 'certs.d'));
          sources.push(path);
        } else if (file.endsWith('.cert')) {
          const keyPath = join(dir, `${file.slice(0, -'.cert'.length)}.key`);
          if (!existsSync(keyPath)) {
            throw new RegistryError('CONFIG', `client certificate ${path} has no matching key ${keyPath}`);
          }
          cert = readPem(path, 'certs.d');
          key = readPem(keyPath, 'certs.d');
          sources.push(path);
        } else if (file.endsWith('.key')) {
          const certPath = join(dir, `${file.slice(0, -'.key'.length)}.cert`);
          if (!existsSync(certPath)) {
            throw new RegistryError('CONFIG', `client key ${path} has no matching certificate ${certPath}`);
          }
        }
      }
      return cert && key ? { ca, cert, key, sources } : { ca, sources };
    }
  }
  return { ca: [], sources: [] };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RegistryError('CONFIG', `cannot read ${what} file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
