import type { Readable } from 'node:stream';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A request body that can be sent more than once: retries and auth round trips replay it. Buffers and strings
 * replay as they are; a stream body is given as a factory that opens a fresh stream per attempt.
 */
export type RequestBody = Buffer | Uint8Array | string | (() => Readable);

/** Registry auth context: which registry's credentials apply, and for which token scopes. */
export interface AuthContext {
  /** Key of the registry endpoint (`host[:port]` as we connect to it). */
  readonly endpoint: string;
  /** Token scopes, e.g. `repository:library/debian:pull`. */
  readonly scopes: readonly string[];
}

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  readonly signal?: AbortSignal;
  /** Present for registry API requests; absent for foreign URLs and redirect targets on other hosts. */
  readonly auth?: AuthContext;
}

/** Response headers, lower-case names. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  readonly status: number;
  readonly headers: HttpHeaders;
  /** The body stream. Whoever receives a response must consume or destroy it (see `discardBody`). */
  readonly body: Readable;
  /** The URL that produced this response (after redirects). */
  readonly url: URL;
  /** The request as finally sent (after redirects), for error messages. */
  readonly request: HttpRequest;
  /** Set by the auth layer on a 401 it could not fix: whether credentials were available (bad) or not. */
  readonly credentialsSent?: boolean;
}

/** One layer of the HTTP stack: auth, retry and redirect each wrap a `Send`. */
export type Send = (request: HttpRequest) => Promise<HttpResponse>;

/** First value of a header (`undefined` when absent). */
export function header(headers: HttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
