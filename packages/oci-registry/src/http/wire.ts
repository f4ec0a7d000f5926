import type { Readable } from 'node:stream';
import type { HttpHeaders, HttpMethod } from './types.js';

/** TLS settings of one registry host: trust, client certificate, verification. */
export interface HostTls {
  /** Every CA to trust (system roots included) when the host adds its own; absent: the system roots. */
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

/**
 * What a wire needs from the client to open connections. The client decides, the wire only follows: which TLS
 * material a host gets (`key` groups hosts with identical material, so they may share connections), which proxy
 * a target goes through, the timeouts and the connections per origin.
 */
export interface WireSettings {
  tlsFor(hostname: string, port: number): { readonly key: string; readonly options: HostTls };
  /** The proxy URL for a target, or `undefined` for a direct connection. */
  proxyFor(protocol: string, hostname: string, port: number): string | undefined;
  readonly connectTimeoutMs: number;
  /** From the end of the request body to the response headers. */
  readonly headersTimeoutMs: number;
  /** Longest silence inside a response body. */
  readonly bodyTimeoutMs: number;
  readonly connections: number;
}

/** One request as it goes on the wire: every header set, the body opened (a stream body is read once). */
export interface WireRequest {
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | Uint8Array | string | Readable | undefined;
  readonly signal?: AbortSignal;
}

/** What a wire answers: the status, the headers and the body stream (the caller consumes or destroys it). */
export interface WireResponse {
  readonly status: number;
  /** Lower-case names; a repeated header is an array. */
  readonly headers: HttpHeaders;
  /** Ends, or fails with the abort reason when the request's signal aborts while it is read. */
  readonly body: Readable;
}

/** The connections of one client. */
export interface HttpWire {
  /** Sends one request; rejects with the transport's own error (the caller classifies it) or the abort reason. */
  request(request: WireRequest): Promise<WireResponse>;
  /** Closes every connection; open bodies end with an error, later requests fail. */
  close(): Promise<void>;
}

/**
 * How a registry client reaches the network: `undiciTransport` (the default; needs Node >= 20.18.1) or
 * `nodeHttpTransport` (`node:http`/`node:https` only; Node >= 18). Everything above the wire (auth, redirects,
 * retries, digests, uploads) is the same code for both.
 */
export interface HttpTransport {
  /** `undici` or `node-http`, for messages. */
  readonly name: string;
  open(settings: WireSettings): HttpWire;
}
