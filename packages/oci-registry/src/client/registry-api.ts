import { Authenticator } from '../auth/authenticator.js';
import { parseChallenges, preferredChallenge } from '../auth/challenge.js';
import { repositoryScope } from '../auth/scope.js';
import type { CredentialLookup } from '../config/credentials.js';
import { isCertificateRequired, isClosedConnection, isPlainHttpPeer } from '../errors/network-error.js';
import { RegistryError } from '../errors/registry-error.js';
import { errorFromResponse } from '../errors/response-error.js';
import { discardBody } from '../http/body.js';
import { isLoopbackHost, urlHostPort } from '../http/host.js';
import type { RegistryTransport } from '../http/transport.js';
import type { HttpMethod, HttpResponse, RequestBody, Send } from '../http/types.js';
import type { PullSource } from '../mirror/pull-sources.js';
import { registryEndpoint } from '../reference/format-reference.js';

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Path below `/v2/<repository>/` (`manifests/latest`, `blobs/sha256:...`, `blobs/uploads/`). */
  readonly path?: string;
  /** Or an absolute URL on the registry (an upload `Location`). */
  readonly url?: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  readonly signal?: AbortSignal;
  /** Token actions on the source's repository. */
  readonly actions: ReadonlyArray<'pull' | 'push'>;
  /** More scopes (a cross-repository mount needs pull on the source repository). */
  readonly extraScopes?: readonly string[];
}

export interface RegistryApiDeps {
  /** retry(auth(redirect(base))): the stack for registry API requests. */
  readonly send: Send;
  /** retry(redirect(base)): pings, token servers and foreign URLs; never carries registry credentials. */
  readonly plainSend: Send;
  /** base alone (no retries, no redirects): the one plain-HTTP question to a loopback registry. */
  readonly probeSend: Send;
  readonly transport: RegistryTransport;
  readonly lookupCredentials: CredentialLookup;
}

interface EndpointState {
  readonly authenticator: Authenticator;
  base?: Promise<URL>;
}

/**
 * Registry API requests against a pull source: resolves the endpoint's scheme once (HTTPS; plain HTTP only for
 * loopback and insecure registries whose port does not speak TLS), pings `/v2/` to learn the auth challenge, and
 * sends requests with the right auth context.
 */
export class RegistryApi {
  readonly #deps: RegistryApiDeps;
  readonly #endpoints = new Map<string, EndpointState>();

  constructor(deps: RegistryApiDeps) {
    this.#deps = deps;
  }

  /** The auth state of an endpoint (`host[:port]` we connect to), created on first use. */
  authenticator(endpoint: string): Authenticator {
    return this.#endpoint(endpoint).authenticator;
  }

  #endpoint(endpoint: string): EndpointState {
    let state = this.#endpoints.get(endpoint);
    if (!state) {
      state = {
        authenticator: new Authenticator(endpoint, this.#deps.lookupCredentials, this.#deps.plainSend),
      };
      this.#endpoints.set(endpoint, state);
    }
    return state;
  }

  /** `https://host[:port]` or `http://...` for a source, pinging it the first time. */
  baseUrl(source: PullSource, signal?: AbortSignal): Promise<URL> {
    const endpoint = registryEndpoint(source.registry);
    const state = this.#endpoint(endpoint);
    if (!state.base) {
      state.base = this.#resolveBase(endpoint, source.insecure, state, signal);
      // A failed ping (network down, aborted) is tried again next time.
      state.base.catch(() => {
        state.base = undefined;
      });
    }
    return state.base;
  }

  async #resolveBase(
    endpoint: string,
    insecure: boolean,
    state: EndpointState,
    signal?: AbortSignal,
  ): Promise<URL> {
    const https = new URL(`https://${endpoint}/`);
    const http = new URL(`http://${endpoint}/`);
    let plainFailure: unknown;
    if (isLoopbackHost(endpoint)) {
      // Local registries mostly speak plain HTTP, and both schemes would reach the same local process, so
      // nothing leaves the host either way: ask in plain HTTP first, once, and spare the TLS set-up (loading
      // the CA store costs ~0.15 s of CPU). A TLS registry answers that with 400 or a closed connection.
      try {
        await this.#ping(http, state, signal, this.#deps.probeSend);
        return http;
      } catch (error) {
        if (signal?.aborted) throw error;
        plainFailure = error;
      }
    }
    try {
      this.#deps.transport.prepare(https);
      await this.#ping(https, state, signal);
      return https;
    } catch (error) {
      const mayUseHttp = insecure || isLoopbackHost(endpoint);
      if (!mayUseHttp || !isPlainHttpPeer(error)) throw this.#explainClosedTls(error, https);
      // The peer speaks plain HTTP after all: its own answer says more than the TLS error.
      if (plainFailure !== undefined) throw plainFailure;
    }
    await this.#ping(http, state, signal);
    return http;
  }

  /**
   * A TLS server that demands a client certificate and gets none closes the connection right after the
   * handshake, which reaches us as a bare "other side closed" (undici) or as the server's TLS alert
   * (`certificate required`, node:http): say what is most likely missing.
   */
  #explainClosedTls(error: unknown, https: URL): unknown {
    if (!(error instanceof RegistryError)) return error;
    const closed = error.code === 'NETWORK' && error.hint === undefined && isClosedConnection(error);
    if (!closed && !(error.code === 'TLS' && isCertificateRequired(error))) return error;
    const { hostname, port } = urlHostPort(https);
    if (this.#deps.transport.tlsFor(hostname, port).options.cert) return error;
    return error.withHint(
      `if ${https.host} requires a client certificate, put client.cert and client.key into certs.d/${hostname}:${port}/`,
    );
  }

  async #ping(
    base: URL,
    state: EndpointState,
    signal?: AbortSignal,
    send: Send = this.#deps.plainSend,
  ): Promise<void> {
    const url = new URL('/v2/', base);
    const response = await send({ method: 'GET', url, signal });
    if (response.status === 200) {
      await discardBody(response);
      return;
    }
    if (response.status === 401) {
      state.authenticator.learn(preferredChallenge(parseChallenges(response.headers['www-authenticate'])));
      await discardBody(response);
      return;
    }
    throw await errorFromResponse(response, `registry ping of ${base.host}`, {
      code: response.status === 404 ? 'PROTOCOL' : undefined,
      hint: response.status === 404 ? `${base.host} does not serve the registry API at /v2/` : undefined,
    });
  }

  /** Sends one registry API request (auth, retries, redirects included). The caller owns the response body. */
  async request(source: PullSource, request: ApiRequest): Promise<HttpResponse> {
    const base = await this.baseUrl(source, request.signal);
    let url: URL;
    if (request.url) {
      url = request.url;
    } else if (request.path !== undefined) {
      url = new URL(`/v2/${source.repository}/${request.path}`, base);
    } else {
      throw new TypeError('ApiRequest needs a path or a url');
    }
    if (url.origin !== base.origin) {
      // An upload Location on another host: follow it, but without the registry's credentials.
      return this.#deps.plainSend({
        method: request.method,
        url,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
    }
    return this.#deps.send({
      method: request.method,
      url,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      auth: {
        endpoint: registryEndpoint(source.registry),
        scopes: [repositoryScope(source.repository, request.actions), ...(request.extraScopes ?? [])],
      },
    });
  }

  /** Resolves an upload `Location` (absolute or relative) against the source's base URL. */
  async resolveLocation(source: PullSource, location: string, signal?: AbortSignal): Promise<URL> {
    return new URL(location, await this.baseUrl(source, signal));
  }
}
