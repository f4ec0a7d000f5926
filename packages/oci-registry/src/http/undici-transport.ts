import type { buildConnector, Dispatcher, ProxyAgent } from 'undici';
import { RegistryError } from '../errors/registry-error.js';
import { urlHostPort } from './host.js';
import { loadUndiciParts, type UndiciParts } from './undici-parts.js';
import type { HttpTransport, HttpWire, WireRequest, WireResponse, WireSettings } from './wire.js';

/**
 * The default transport: undici (needs Node >= 20.18.1). undici itself is loaded on the first request: loading
 * it costs ~0.14 s of start-up, which a fetch answered from the download cache never needs.
 */
export const undiciTransport: HttpTransport = {
  name: 'undici',
  open(settings) {
    if (!nodeAtLeast(process.versions.node, [20, 18, 1])) {
      throw new RegistryError(
        'CONFIG',
        `the undici transport needs Node >= 20.18.1, this is ${process.version}: create the client with httpTransport: nodeHttpTransport`,
        { retryable: false },
      );
    }
    return new UndiciWire(settings);
  },
};

function nodeAtLeast(version: string, wanted: readonly [number, number, number]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const want = wanted[i] as number;
    if (have !== want) return have > want;
  }
  return true;
}

class UndiciWire implements HttpWire {
  readonly #settings: WireSettings;
  #dispatcher: Promise<Dispatcher> | undefined;
  #closed = false;

  constructor(settings: WireSettings) {
    this.#settings = settings;
  }

  #load(): Promise<Dispatcher> {
    if (this.#closed) return Promise.reject(new Error('the registry client is closed'));
    this.#dispatcher ??= loadUndiciParts().then(
      (undici) => new (routingDispatcherClass(undici))(this.#settings),
    );
    return this.#dispatcher;
  }

  async request(request: WireRequest): Promise<WireResponse> {
    const dispatcher = await this.#load();
    const response = await dispatcher.request({
      origin: request.url.origin,
      path: `${request.url.pathname}${request.url.search}`,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: request.signal,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const dispatcher = await this.#dispatcher?.catch(() => undefined);
    await dispatcher?.close();
  }
}

/** The dispatcher class, built on the loaded undici module (a static `extends` would load it with this file). */
function routingDispatcherClass(undici: UndiciParts) {
  return class RoutingDispatcher extends undici.Dispatcher {
    readonly #settings: WireSettings;
    readonly #connectors = new Map<string, buildConnector.connector>();
    readonly #direct: InstanceType<UndiciParts['Agent']>;
    readonly #proxied = new Map<string, ProxyAgent>();
    #closed = false;

    constructor(settings: WireSettings) {
      super();
      this.#settings = settings;
      this.#direct = new undici.Agent({
        connections: settings.connections,
        headersTimeout: settings.headersTimeoutMs,
        bodyTimeout: settings.bodyTimeoutMs,
        connect: (connectOptions, callback) => {
          try {
            const { hostname, port, protocol } = connectOptions;
            const tls = protocol === 'https:' ? settings.tlsFor(hostname, Number(port) || 443) : undefined;
            const key = tls ? tls.key : 'plain';
            let connector = this.#connectors.get(key);
            if (!connector) {
              connector = undici.buildConnector({
                ...(tls ? mutableTls(tls.options) : {}),
                timeout: settings.connectTimeoutMs,
              });
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
      const proxy = this.#settings.proxyFor(origin.protocol, hostname, port);
      if (!proxy) return this.#direct;
      const tls =
        origin.protocol === 'https:' ? this.#settings.tlsFor(hostname, port) : { key: 'plain', options: {} };
      const key = `${proxy}|${tls.key}`;
      let agent = this.#proxied.get(key);
      if (!agent) {
        const proxyUrl = new URL(proxy);
        const proxyHost = urlHostPort(proxyUrl);
        agent = new undici.ProxyAgent({
          uri: proxy,
          connections: this.#settings.connections,
          headersTimeout: this.#settings.headersTimeoutMs,
          bodyTimeout: this.#settings.bodyTimeoutMs,
          requestTls: {
            ...('rejectUnauthorized' in tls.options ? mutableTls(tls.options) : {}),
            timeout: this.#settings.connectTimeoutMs,
          },
          proxyTls: mutableTls(this.#settings.tlsFor(proxyHost.hostname, proxyHost.port).options),
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

/** undici's TLS options want mutable arrays. */
function mutableTls(options: import('./wire.js').HostTls) {
  return {
    rejectUnauthorized: options.rejectUnauthorized,
    ...(options.ca ? { ca: [...options.ca] } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
  };
}
