import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import {
  Agent as HttpsAgent,
  type AgentOptions as HttpsAgentOptions,
  request as httpsRequest,
} from 'node:https';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connect as tlsConnect } from 'node:tls';
import { abortReason } from './abort.js';
import { urlHostPort } from './host.js';
import type { HttpHeaders } from './types.js';
import type { HostTls, HttpTransport, HttpWire, WireRequest, WireResponse, WireSettings } from './wire.js';

/**
 * A transport on `node:http` and `node:https` alone, for Node >= 18 (Debian bookworm's 18.20, Ubuntu noble's
 * 18.19), where undici 7 cannot load. Same behaviour as the undici transport: keep-alive connections per
 * origin, per-host TLS trust and client certificates, proxies (absolute-URI requests for plain HTTP, `CONNECT`
 * tunnels for HTTPS, credentials from the proxy URL), connect/headers/idle-body timeouts and aborts.
 */
export const nodeHttpTransport: HttpTransport = {
  name: 'node-http',
  open: (settings) => new NodeHttpWire(settings),
};

/** A transport error with a code, as Node's own errors have (`RegistryError` classification reads it). */
function wireError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function tlsAgentOptions(tls: HostTls): HttpsAgentOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  const user = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  return { 'proxy-authorization': `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** An HTTPS agent whose connections are TLS inside a `CONNECT` tunnel through an HTTP proxy. */
class TunnelAgent extends HttpsAgent {
  readonly #proxy: URL;
  readonly #connectTimeoutMs: number;

  constructor(proxy: URL, connectTimeoutMs: number, options: HttpsAgentOptions) {
    super(options);
    this.#proxy = proxy;
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  // Node's Agent accepts the socket through the callback (documented for `createConnection`).
  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    const done = (error: Error | null, socket?: Duplex) => callback?.(error, socket as Duplex);
    const host = String(options.host);
    const target = `${host.includes(':') ? `[${host}]` : host}:${String(options.port)}`;
    const proxyPort = urlHostPort(this.#proxy).port;
    const connect = httpRequest({
      hostname: this.#proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxyPort,
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...proxyAuthorization(this.#proxy) },
      agent: false,
    });
    const timer = setTimeout(
      () =>
        connect.destroy(
          wireError(
            `no tunnel through proxy ${this.#proxy.host} within ${this.#connectTimeoutMs} ms`,
            'ETIMEDOUT',
          ),
        ),
      this.#connectTimeoutMs,
    );
    connect.once('connect', (response, socket, head) => {
      clearTimeout(timer);
      if (response.statusCode !== 200) {
        socket.destroy();
        done(
          wireError(
            `proxy ${this.#proxy.host} refused the tunnel to ${target}: HTTP ${response.statusCode}`,
            'ERR_PROXY_TUNNEL',
          ),
        );
        return;
      }
      if (head.length) socket.unshift(head);
      done(null, tlsConnect({ ...(options as Record<string, unknown>), socket }));
    });
    connect.once('error', (error) => {
      clearTimeout(timer);
      done(error);
    });
    connect.end();
    // The socket arrives through the callback.
    return undefined;
  }
}

class NodeHttpWire implements HttpWire {
  readonly #settings: WireSettings;
  readonly #agents = new Map<string, HttpAgent>();
  #closed = false;

  constructor(settings: WireSettings) {
    this.#settings = settings;
  }

  #agent(key: string, make: () => HttpAgent): HttpAgent {
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = make();
      this.#agents.set(key, agent);
    }
    return agent;
  }

  #common() {
    return { keepAlive: true, maxSockets: this.#settings.connections };
  }

  /** Where the request goes: the target itself, or the proxy (absolute URI) or a tunnel through it. */
  #options(request: WireRequest): { options: RequestOptions; https: boolean } {
    const { url } = request;
    const { hostname, port } = urlHostPort(url);
    const https = url.protocol === 'https:';
    const path = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = { ...request.headers };
    const proxy = this.#settings.proxyFor(url.protocol, hostname, port);
    if (!proxy) {
      const agent = https
        ? (() => {
            const tls = this.#settings.tlsFor(hostname, port);
            return this.#agent(
              `https|${tls.key}`,
              () => new HttpsAgent({ ...this.#common(), ...tlsAgentOptions(tls.options) }),
            );
          })()
        : this.#agent('http', () => new HttpAgent(this.#common()));
      return { options: { hostname, port, path, method: request.method, headers, agent }, https };
    }
    const proxyUrl = new URL(proxy);
    if (proxyUrl.protocol !== 'http:') {
      throw wireError(
        `proxy ${proxyUrl.protocol}//${proxyUrl.host}: the node-http transport speaks to http:// proxies only`,
        'ERR_PROXY_SCHEME',
      );
    }
    if (!https) {
      // Plain HTTP through the proxy: an absolute-URI request to the proxy, as curl and Go send it.
      const proxyTarget = urlHostPort(proxyUrl);
      return {
        options: {
          hostname: proxyTarget.hostname,
          port: proxyTarget.port,
          path: url.href,
          method: request.method,
          headers: { ...headers, host: url.host, ...proxyAuthorization(proxyUrl) },
          agent: this.#agent('http', () => new HttpAgent(this.#common())),
        },
        https: false,
      };
    }
    const tls = this.#settings.tlsFor(hostname, port);
    const agent = this.#agent(
      `tunnel|${proxy}|${tls.key}`,
      () =>
        new TunnelAgent(proxyUrl, this.#settings.connectTimeoutMs, {
          ...this.#common(),
          ...tlsAgentOptions(tls.options),
        }),
    );
    return { options: { hostname, port, path, method: request.method, headers, agent }, https: true };
  }

  request(request: WireRequest): Promise<WireResponse> {
    if (this.#closed) return Promise.reject(new Error('the registry client is closed'));
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let options: RequestOptions;
    let https: boolean;
    try {
      ({ options, https } = this.#options(request));
    } catch (error) {
      return Promise.reject(error);
    }
    const settings = this.#settings;
    return new Promise<WireResponse>((resolve, reject) => {
      const req: ClientRequest = (https ? httpsRequest : httpRequest)(options);
      let response: IncomingMessage | undefined;
      let settled = false;
      const timers = new Set<NodeJS.Timeout>();
      const stopTimers = () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
      };
      const fail = (error: unknown) => {
        stopTimers();
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => {
        const reason = abortReason(signal as AbortSignal);
        if (response) response.destroy(reason as Error);
        req.destroy();
        fail(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const later = (ms: number, error: () => Error) => {
        const timer = setTimeout(() => req.destroy(error()), ms);
        timers.add(timer);
        return timer;
      };

      req.on('error', fail);
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = later(settings.connectTimeoutMs, () =>
          wireError(
            `no connection to ${request.url.host} within ${settings.connectTimeoutMs} ms`,
            'ETIMEDOUT',
          ),
        );
        socket.once(https ? 'secureConnect' : 'connect', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
      });
      req.once('finish', () => {
        if (response) return;
        later(settings.headersTimeoutMs, () =>
          wireError(
            `no response headers from ${request.url.host} within ${settings.headersTimeoutMs} ms`,
            'ERR_HEADERS_TIMEOUT',
          ),
        );
      });
      req.once('response', (res) => {
        response = res;
        stopTimers();
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        res.on('error', () => {});
        // Idle body: no byte for bodyTimeoutMs ends the body with an error (the blob reader resumes it).
        res.setTimeout(settings.bodyTimeoutMs, () =>
          res.destroy(
            wireError(
              `${request.url.host} sent nothing for ${settings.bodyTimeoutMs} ms inside a response body`,
              'ERR_BODY_TIMEOUT',
            ),
          ),
        );
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders(res), body: res });
      });

      const body = request.body;
      if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
        req.end(body);
      } else {
        // Errors of either side reach `fail` through the request's own 'error' (or the response has come).
        pipeline(body, req).catch((error: unknown) => {
          if (!response) req.destroy(error as Error);
        });
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/** Lower-case headers; a repeated `WWW-Authenticate` stays a list (Node would join it with commas). */
function responseHeaders(res: IncomingMessage): HttpHeaders {
  const headers: HttpHeaders = { ...res.headers };
  const challenges = res.headersDistinct?.['www-authenticate'];
  if (challenges && challenges.length > 1) headers['www-authenticate'] = challenges;
  return headers;
}
