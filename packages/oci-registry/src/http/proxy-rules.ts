import { isIP } from 'node:net';
import type { ClientEnvironment } from '../config/environment.js';
import { envVar } from '../config/environment.js';
import { isLoopbackHost } from './host.js';

/** Proxy settings; every field defaults to the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
  /**
   * Proxy loopback hosts too. Off by default, as in Go's `ProxyFromEnvironment` (skopeo, docker): a local
   * registry is never reached through a proxy unless asked for.
   */
  proxyLoopback?: boolean;
}

interface NoProxyEntry {
  readonly host: string;
  readonly port: number | undefined;
  readonly cidr: { base: number; bits: number } | undefined;
}

/** Decides, per target, which proxy (if any) a request goes through. */
export class ProxyRules {
  readonly httpProxy: string | undefined;
  readonly httpsProxy: string | undefined;
  readonly #noProxyAll: boolean;
  readonly #entries: NoProxyEntry[];
  readonly #proxyLoopback: boolean;

  constructor(settings: ProxySettings | false | undefined, environment: ClientEnvironment) {
    const s = settings === false ? { httpProxy: '', httpsProxy: '', noProxy: '' } : (settings ?? {});
    this.httpProxy = (s.httpProxy ?? envVar(environment, 'HTTP_PROXY')) || undefined;
    this.httpsProxy = (s.httpsProxy ?? envVar(environment, 'HTTPS_PROXY')) || undefined;
    const noProxy = s.noProxy ?? envVar(environment, 'NO_PROXY') ?? '';
    this.#noProxyAll = noProxy.trim() === '*';
    this.#entries = noProxy
      .split(/[,\s]+/)
      .filter(Boolean)
      .map(parseEntry);
    this.#proxyLoopback = s.proxyLoopback ?? false;
  }

  /** The proxy URL for a target, or `undefined` for a direct connection. */
  proxyFor(protocol: string, hostname: string, port: number): string | undefined {
    const proxy = protocol === 'https:' ? this.httpsProxy : this.httpProxy;
    if (!proxy || this.#noProxyAll) return undefined;
    if (!this.#proxyLoopback && isLoopbackHost(hostname)) return undefined;
    const host = hostname.toLowerCase();
    for (const entry of this.#entries) {
      if (entry.port !== undefined && entry.port !== port) continue;
      if (entry.cidr) {
        if (isIP(host) === 4 && inCidr(host, entry.cidr)) return undefined;
        continue;
      }
      if (host === entry.host || host.endsWith(`.${entry.host}`)) return undefined;
    }
    return proxy;
  }
}

function parseEntry(raw: string): NoProxyEntry {
  const cidr = raw.match(/^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/);
  if (cidr)
    return { host: raw, port: undefined, cidr: { base: ipv4(cidr[1] as string), bits: Number(cidr[2]) } };
  const withPort = raw.match(/^(.+):(\d+)$/);
  const host = (withPort ? (withPort[1] as string) : raw)
    .replace(/^\*?\./, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  return { host, port: withPort ? Number(withPort[2]) : undefined, cidr: undefined };
}

function ipv4(address: string): number {
  return address.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inCidr(address: string, cidr: { base: number; bits: number }): boolean {
  if (cidr.bits === 0) return true;
  const mask = (~0 << (32 - cidr.bits)) >>> 0;
  return (ipv4(address) & mask) === (cidr.base & mask);
}
