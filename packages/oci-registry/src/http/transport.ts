import { rootCertificates } from 'node:tls';
import { loadEnvironmentCas, loadRegistryCerts, type TlsMaterial } from '../config/certs.js';
import type { ClientEnvironment } from '../config/environment.js';
import { urlHostPort } from './host.js';
import { ProxyRules, type ProxySettings } from './proxy-rules.js';
import type { HostTls, HttpTransport, HttpWire } from './wire.js';

export interface TransportOptions {
  environment: ClientEnvironment;
  /** certs.d roots, in lookup order. */
  certDirs: readonly string[];
  /** Hosts (`host:port`) whose certificates are not verified (registries.conf `insecure`, explicit opt-in). */
  isInsecure: (hostPort: string) => boolean;
  proxy?: ProxySettings | false;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Connections per origin. */
  connections: number;
  /** What carries the requests (undici or node:http). */
  httpTransport: HttpTransport;
}

/**
 * The client's connections. It routes each origin to a direct connection or through the proxy the environment
 * names, and gives every host its own TLS trust (system CAs + `SSL_CERT_*` + certs.d/<host:port>). TLS material
 * is read once per host, on first use. The connections themselves belong to the wire of the chosen
 * {@link HttpTransport}, opened on the first request.
 */
export class RegistryTransport {
  readonly #options: TransportOptions;
  readonly #proxyRules: ProxyRules;
  readonly #environmentCas: TlsMaterial;
  readonly #tlsByHost = new Map<string, { key: string; options: HostTls }>();
  #wire: HttpWire | undefined;
  #closed = false;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#proxyRules = new ProxyRules(options.proxy, options.environment);
    this.#environmentCas = loadEnvironmentCas(options.environment);
  }

  /**
   * TLS options for a host: environment CAs plus the host's certs.d material; `rejectUnauthorized` off only for
   * insecure hosts. The `key` groups hosts with identical material so they share connectors and proxy agents.
   */
  tlsFor(hostname: string, port: number): { key: string; options: HostTls } {
    const hostPort = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    let entry = this.#tlsByHost.get(hostPort);
    if (!entry) {
      const own = loadRegistryCerts(this.#options.certDirs, hostname, port);
      const insecure =
        this.#options.isInsecure(hostPort) || (port === 443 && this.#options.isInsecure(hostname));
      const extra = [...this.#environmentCas.ca, ...own.ca];
      const options: { -readonly [K in keyof HostTls]: HostTls[K] } = { rejectUnauthorized: !insecure };
      if (extra.length) options.ca = [...rootCertificates, ...extra];
      if (own.cert && own.key) {
        options.cert = own.cert;
        options.key = own.key;
      }
      const hostSpecific = own.sources.length > 0 || insecure;
      entry = { key: hostSpecific ? `host:${hostPort}` : 'default', options };
      this.#tlsByHost.set(hostPort, entry);
    }
    return entry;
  }

  /** Loads a host's TLS material now, so configuration errors surface as errors of the first request. */
  prepare(url: URL): void {
    if (url.protocol === 'https:') {
      const { hostname, port } = urlHostPort(url);
      this.tlsFor(hostname, port);
    }
  }

  /** The wire every request goes through, opened on first use. */
  wire(): HttpWire {
    if (this.#closed) throw new Error('the registry client is closed');
    if (!this.#wire) {
      const options = this.#options;
      this.#wire = options.httpTransport.open({
        tlsFor: (hostname, port) => this.tlsFor(hostname, port),
        proxyFor: (protocol, hostname, port) => this.#proxyRules.proxyFor(protocol, hostname, port),
        connectTimeoutMs: options.connectTimeoutMs,
        headersTimeoutMs: options.headersTimeoutMs,
        bodyTimeoutMs: options.bodyTimeoutMs,
        connections: options.connections,
      });
    }
    return this.#wire;
  }

  /** Closes the connections (open streams end); later requests fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#wire?.close();
  }
}
