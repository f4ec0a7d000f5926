import type { Credentials } from '../config/credentials.js';
import type { ProxySettings } from '../http/proxy-rules.js';
import type { RetryPolicy } from '../http/retry.js';
import type { HttpTransport } from '../http/wire.js';

/** Options of {@link createRegistryClient}. Every default follows skopeo / containers/image. */
export interface RegistryClientOptions {
  /** Environment variables (default `process.env`): auth file, XDG, proxy and SSL_CERT_* variables. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for `~/.config/containers` and `~/.docker` (default `os.homedir()`). */
  homeDir?: string;
  /** Root for `/etc/containers` and `/etc/docker` lookups (default `/`; tests point it elsewhere). */
  rootDir?: string;

  /** Auth file to read first (skopeo `--authfile`); default `REGISTRY_AUTH_FILE`, then the standard files. */
  authFile?: string;
  /** Credentials by registry (`host` or `host/namespace/repo`), used before any file. */
  credentials?: Readonly<Record<string, Credentials>>;

  /** registries.conf path; `false` ignores registries.conf entirely; default: the user file, else `/etc`. */
  registriesConf?: string | false;
  /** Registries (`host[:port]`) that may use plain HTTP and unverified TLS (skopeo `--tls-verify=false`). */
  insecureRegistries?: readonly string[];
  /** certs.d roots, in lookup order (default `~/.config/containers/certs.d`, `/etc/containers/certs.d`, `/etc/docker/certs.d`). */
  certDirs?: readonly string[];
  /** Proxy settings (default from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`); `false` disables proxies. */
  proxy?: ProxySettings | false;

  /** Retry policy for every request. */
  retry?: Partial<RetryPolicy>;
  /** Blob downloads in flight at once, shared by every caller of this client (default 4). */
  maxConcurrentDownloads?: number;
  /** Connections per origin (default 8). */
  connectionsPerOrigin?: number;
  /**
   * Timeouts in milliseconds: connect (default 30 s), response headers (60 s), idle body (60 s: a body that
   * sends nothing for this long is cut and resumed), and `stallMs`, the longest a blob transfer may go without
   * a new byte across its resumes before it fails with `NETWORK` (default two idle body timeouts, 120 s).
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; stallMs?: number };
  userAgent?: string;
  /**
   * What carries the requests: `undiciTransport` (default; Node >= 20.18.1) or `nodeHttpTransport` (`node:http`
   * and `node:https` only, for Node >= 18). Auth, redirects, retries, verification and uploads are the same code
   * above either.
   */
  httpTransport?: HttpTransport;
}

/** Per-call options common to every async method. */
export interface CallOptions {
  signal?: AbortSignal;
}
