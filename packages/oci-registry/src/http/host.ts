import { isIP } from 'node:net';

/** Splits `host[:port]` / `[v6]:port` into a hostname (no brackets) and an optional port. */
export function splitHostPort(hostPort: string): { hostname: string; port: number | undefined } {
  const bracketed = hostPort.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (bracketed) {
    return { hostname: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : undefined };
  }
  const colons = hostPort.split(':').length - 1;
  if (colons === 1) {
    const [hostname, port] = hostPort.split(':') as [string, string];
    return { hostname, port: Number(port) };
  }
  return { hostname: hostPort, port: undefined };
}

/**
 * Loopback hosts may be reached over plain HTTP without opt-in (docker treats 127.0.0.0/8 so; crane adds
 * `localhost`, `*.localhost` and `::1`). Accepts `host`, `host:port` and bracketed IPv6.
 */
export function isLoopbackHost(hostOrHostPort: string): boolean {
  const { hostname } = splitHostPort(hostOrHostPort);
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** `host:port` of a URL with the scheme's default port made explicit (certs.d and proxy rules key on it). */
export function urlHostPort(url: URL): { hostname: string; port: number } {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { hostname, port };
}
