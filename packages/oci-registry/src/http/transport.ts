import { rootCertificates } from 'node:tls';
import type { buildConnector, Dispatcher, ProxyAgent } from 'undici';
import { loadEnvironmentCas, loadRegistryCerts, type TlsMaterial } from '../config/certs.js';
import type { ClientEnvironment } from '../config/environment.js';
import { urlHostPort } from './host.js';
import { ProxyRules, type ProxySettings } from './proxy-rules.js';

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
}

interface TlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/**
 * The client's connections. It routes each origin to a direct connection or through the proxy the environment
 * names, and gives every host its own TLS trust (system CAs + `SSL_CERT_*` + certs.d/<host:port>). TLS material
 * is read once per host, on first use. undici itself is loaded on the first request: loading it costs ~0.14 s
 * of start-up, which a fetch answered from the download cache never needs.
 */
export class RegistryTransport {
  readonly #options: TransportOptions;
  readonly #proxyRules: ProxyRules;
  readonly #environmentCas: TlsMaterial;
  readonly #tlsByHost = new Map<string, { key: string; options: TlsOptions }>();
  #dispatcher: Promise<Dispatcher> | undefined;
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
  tlsFor(hostname: string, port: number): { key: string; options: TlsOptions } {
    const hostPort = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    let entry = this.#tlsByHost.get(hostPort);
    if (!entry) {
      const own = loadRegistryCerts(this.#options.certDirs, hostname, port);
      const insecure =
        this.#options.isInsecure(hostPort) || (port === 443 && this.#options.isInsecure(hostname));
      const extra = [...this.#environmentCas.ca, ...own.ca];
      const options: TlsOptions = { rejectUnauthorized: !insecure };
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

  /** The undici dispatcher every request goes through, made (and undici loaded) on first use. */
  dispatcher(): Promise<Dispatcher> {
    if (this.#closed) return Promise.reject(new Error('the registry client is closed'));
    this.#dispatcher ??= import('undici').then(
      (undici) => new (routingDispatcherClass(undici))(this.#options, this.#proxyRules, this),
    );
    return this.#dispatcher;
  }

  /** Closes the connections (open streams end); later requests fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const dispatcher = await this.#dispatcher?.catch(() => undefined);
    await dispatcher?.close();
  }
}

type Undici = typeof import('undici');

/** The dispatcher class, built on the loaded undici module (a static `extends` would load it with this file). */
function routingDispatcherClass(undici: Undici) {
  return class RoutingDispatcher extends undici.Dispatcher {
    readonly #options: TransportOptions;
    readonly #proxyRules: ProxyRules;
    readonly #tls: Pick<RegistryTransport, 'tlsFor'>;
    readonly #connectors = new Map<string, buildConnector.connector>();
    readonly #direct: InstanceType<Undici['Agent']>;
    readonly #proxied = new Map<string, ProxyAgent>();
    #closed = false;

    constructor(options: TransportOptions, proxyRules: ProxyRules, tls: Pick<RegistryTransport, 'tlsFor'>) {
      super();
      this.#options = options;
      this.#proxyRules = proxyRules;
      this.#tls = tls;
      this.#direct = new undici.Agent({
        connections: options.connections,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        connect: (connectOptions, callback) => {
          try {
            const { hostname, port, protocol } = connectOptions;
            const key = protocol === 'https:' ? tls.tlsFor(hostname, Number(port) || 443).key : 'plain';
            let connector = this.#connectors.get(key);
            if (!connector) {
              const tlsOptions =
                protocol === 'https:' ? tls.tlsFor(hostname, Number(port) || 443).options : {};
              connector = undici.buildConnector({ ...tlsOptions, timeout: options.connectTimeoutMs });
              this.#connectors.set(key, connector);
            }
            connector(connectOptions, callback);
          } catch (error) {
            callback(error as Error, null);
          }
        },
      });
    }

    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      return this.#route(new URL(String(options.origin))).dispatch(options, handler);
    }

    #route(origin: URL): Dispatcher {
      const { hostname, port } = urlHostPort(origin);
      const proxy = this.#proxyRules.proxyFor(origin.protocol, hostname, port);
      if (!proxy) return this.#direct;
      const tls =
        origin.protocol === 'https:' ? this.#tls.tlsFor(hostname, port) : { key: 'plain', options: {} };
      const key = `${proxy}|${tls.key}`;
      let agent = this.#proxied.get(key);
      if (!agent) {
        agent = new undici.ProxyAgent({
          uri: proxy,
          connections: this.#options.connections,
          headersTimeout: this.#options.headersTimeoutMs,
          bodyTimeout: this.#options.bodyTimeoutMs,
          requestTls: { ...tls.options, timeout: this.#options.connectTimeoutMs },
          proxyTls: {
            ...this.#tls.tlsFor(new URL(proxy).hostname, urlHostPort(new URL(proxy)).port).options,
          },
          // Plain-HTTP targets go as absolute-URI requests (no CONNECT), as curl and Go do.
          proxyTunnel: false,
        });
        this.#proxied.set(key, agent);
      }
      return agent;
    }

    override close(): Promise<void>;
    override close(callback: () => void): void;
    override close(callback?: () => void): Promise<void> | void {
      const done = this.#closeAll();
      if (callback) {
        done.then(callback, callback);
        return;
      }
      return done;
    }

    override destroy(): Promise<void>;
    override destroy(error: Error | null): Promise<void>;
    override destroy(callback: () => void): void;
    override destroy(error: Error | null, callback: () => void): void;
    override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
      const error = typeof a === 'function' ? null : (a ?? null);
      const callback = typeof a === 'function' ? a : b;
      const done = Promise.all([
        this.#direct.destroy(error),
        ...[...this.#proxied.values()].map((p) => p.destroy(error)),
      ]).then(() => undefined);
      if (callback) {
        done.then(callback, callback);
        return;
      }
      return done;
    }

    async #closeAll(): Promise<void> {
      if (this.#closed) return;
      this.#closed = true;
      await Promise.all([this.#direct.close(), ...[...this.#proxied.values()].map((p) => p.close())]);
    }
  };
}
