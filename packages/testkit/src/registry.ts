/**
 * A real CNCF Distribution registry (Debian's `docker-registry`, 2.8.2) on 127.0.0.1 with a generated
 * config and temp storage; optionally with htpasswd or token auth, TLS from a kit CA, or as a
 * pull-through cache of another registry.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AccessLogEntry, readAccessLog } from './access-log.js';
import { writeHtpasswd } from './htpasswd.js';
import { waitForHttp } from './http-probe.js';
import { spawnTracked, stopChild } from './processes.js';
import {
  createCertificateAuthority,
  type IssuedCertificate,
  issueClientCertificate,
  issueServerCertificate,
} from './tls-material.js';
import { freePort, tmpDir } from './tmp-dir.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export interface RegistryOptions {
  auth?:
    | { type: 'htpasswd'; users: Record<string, string> }
    | {
        type: 'token';
        users: Record<string, string>;
        anonymousPull?: boolean;
        /** Token lifetime in seconds (default 300). */
        expiresIn?: number;
      };
  /** HTTPS with a kit-generated CA (see `Registry.ca`). */
  tls?: boolean;
  /**
   * With `tls`: the registry demands a client certificate issued by its CA (mutual TLS). The kit issues one
   * (`Registry.clientCertificate`) and puts it into `ca.certsDir/<host>/` as `client.cert` / `client.key`.
   */
  requireClientCertificate?: boolean;
  /** Pull-through cache mode. `caFile` makes the registry trust an HTTPS upstream's kit CA. */
  proxy?: { remoteUrl: string; username?: string; password?: string; caFile?: string };
  /** Aborts the start-up. */
  signal?: AbortSignal;
}

export interface RegistryCa {
  /** The CA certificate (PEM file). */
  certFile: string;
  certPem: string;
  /** certs.d-style dir: `<certsDir>/<host>/ca.crt` (docker, containers/image and `skopeo --*-cert-dir <certsDir>/<host>`). */
  certsDir: string;
}

export interface RegistryTokenServer {
  url: string;
  realm: string;
  service: string;
  /** Every token request served so far (for asserting token caching). */
  requests: TokenServer['requests'];
}

export interface Registry {
  /** 'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT' */
  url: string;
  /** '127.0.0.1:PORT' */
  host: string;
  port: number;
  storageDir: string;
  configFile: string;
  /** The registry's JSON log (stderr). */
  logFile: string;
  ca?: RegistryCa;
  /** The client certificate the registry accepts, with `requireClientCertificate`. */
  clientCertificate?: { certFile: string; keyFile: string };
  tokenServer?: RegistryTokenServer;
  /** Parsed completed requests, in order. */
  accessLog(): Promise<AccessLogEntry[]>;
  /** Kills the process (and the token server) and removes the temp dirs. */
  stop(): Promise<void>;
}

const service = 'isar-testkit-registry';
const issuer = 'isar-testkit-token-server';

/** Starts a registry and resolves once `GET /v2/` answers (200, or 401 with auth). */
export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const { signal } = options;
  signal?.throwIfAborted();
  const work = await tmpDir('isar-registry-');
  let tokenServer: TokenServer | undefined;
  let child: ChildProcess | undefined;
  const cleanup = async () => {
    if (child) await stopChild(child);
    await tokenServer?.stop();
    await work.cleanup();
  };
  try {
    const storageDir = join(work.path, 'storage');
    await mkdir(storageDir);
    const config: Record<string, unknown> = {
      version: '0.1',
      log: { level: 'info', formatter: 'json', accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: storageDir },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { secret: randomBytes(16).toString('hex'), headers: { 'X-Content-Type-Options': ['nosniff'] } },
    };

    let ca: RegistryCa | undefined;
    let clientCertificate: IssuedCertificate | undefined;
    let tls: { certFile: string; keyFile: string; certPem: string; keyPem: string } | undefined;
    if (options.tls) {
      const tlsDir = join(work.path, 'tls');
      await mkdir(tlsDir);
      const authority = await createCertificateAuthority(tlsDir, 'isar-testkit CA', signal);
      tls = await issueServerCertificate(tlsDir, authority, 'server', signal);
      (config.http as Record<string, unknown>).tls = {
        certificate: tls.certFile,
        key: tls.keyFile,
        ...(options.requireClientCertificate ? { clientcas: [authority.certFile] } : {}),
      };
      if (options.requireClientCertificate) {
        clientCertificate = await issueClientCertificate(tlsDir, authority, 'client', signal);
      }
      ca = { certFile: authority.certFile, certPem: authority.certPem, certsDir: join(work.path, 'certs.d') };
    }

    if (options.auth?.type === 'htpasswd') {
      const file = join(work.path, 'htpasswd');
      await writeHtpasswd(file, options.auth.users, signal);
      config.auth = { htpasswd: { realm: 'isar-testkit', path: file } };
    } else if (options.auth?.type === 'token') {
      const tokenDir = join(work.path, 'token');
      await mkdir(tokenDir);
      tokenServer = await startTokenServer({
        dir: tokenDir,
        users: options.auth.users,
        anonymousPull: options.auth.anonymousPull ?? false,
        expiresIn: options.auth.expiresIn ?? 300,
        service,
        issuer,
        tls,
        signal,
      });
      config.auth = {
        token: {
          realm: tokenServer.realm,
          service,
          issuer,
          rootcertbundle: tokenServer.rootCertFile,
        },
      };
    }

    const env: NodeJS.ProcessEnv = { ...process.env };
    if (options.proxy) {
      config.proxy = {
        remoteurl: options.proxy.remoteUrl,
        ...(options.proxy.username !== undefined && { username: options.proxy.username }),
        ...(options.proxy.password !== undefined && { password: options.proxy.password }),
      };
      // Go reads extra roots from SSL_CERT_FILE: lets the cache talk to an HTTPS kit upstream.
      if (options.proxy.caFile) env.SSL_CERT_FILE = options.proxy.caFile;
    }

    const configFile = join(work.path, 'config.yml');
    const logFile = join(work.path, 'registry.log');
    const stdoutFile = join(work.path, 'registry.stdout');
    let port = 0;
    // The port is free when picked but another process may grab it first: retry on a bind failure.
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      (config.http as Record<string, unknown>).addr = `127.0.0.1:${port}`;
      // JSON is valid YAML and needs no escaping rules of its own.
      await writeFile(configFile, JSON.stringify(config, null, 2));
      const errFd = openSync(logFile, 'a');
      const outFd = openSync(stdoutFile, 'a');
      child = spawnTracked('docker-registry', ['serve', configFile], {
        stdio: ['ignore', outFd, errFd],
        env,
      });
      closeSync(errFd);
      closeSync(outFd);
      const started = child;
      let spawnError: Error | undefined;
      started.once('error', (error) => {
        spawnError = error;
      });
      const scheme = tls ? 'https' : 'http';
      try {
        await waitForHttp(`${scheme}://127.0.0.1:${port}/v2/`, {
          ca: ca?.certPem,
          cert: clientCertificate?.certPem,
          key: clientCertificate?.keyPem,
          accept: (status) => status === 200 || status === 401,
          signal,
          failed: () => {
            if (spawnError) return `docker-registry could not be started: ${spawnError.message}`;
            if (started.exitCode !== null || started.signalCode !== null) {
              return `docker-registry exited (${started.exitCode ?? started.signalCode}): ${readFileSync(logFile, 'utf8').slice(-2000)}`;
            }
            return undefined;
          },
        });
        break;
      } catch (error) {
        await stopChild(started);
        const inUse = /address already in use/.test(readFileSync(logFile, 'utf8'));
        if (!inUse || attempt >= 3) throw error;
      }
    }

    const host = `127.0.0.1:${port}`;
    if (ca) {
      await mkdir(join(ca.certsDir, host), { recursive: true });
      await writeFile(join(ca.certsDir, host, 'ca.crt'), ca.certPem);
      if (clientCertificate) {
        await writeFile(join(ca.certsDir, host, 'client.cert'), clientCertificate.certPem);
        await writeFile(join(ca.certsDir, host, 'client.key'), clientCertificate.keyPem, { mode: 0o600 });
      }
    }
    const runningChild = child;
    let stopped: Promise<void> | undefined;
    return {
      url: `${tls ? 'https' : 'http'}://${host}`,
      host,
      port,
      storageDir,
      configFile,
      logFile,
      ca,
      ...(clientCertificate
        ? { clientCertificate: { certFile: clientCertificate.certFile, keyFile: clientCertificate.keyFile } }
        : {}),
      tokenServer: tokenServer && {
        url: tokenServer.url,
        realm: tokenServer.realm,
        service,
        requests: tokenServer.requests,
      },
      accessLog: () => readAccessLog(logFile),
      stop() {
        stopped ??= (async () => {
          await stopChild(runningChild);
          await cleanup();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
