import { RegistryError } from '../errors/registry-error.js';
import { discardBody } from './body.js';
import { type HttpRequest, header, type Send } from './types.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials and must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * The redirect layer. Registries send blob GETs to object storage on another host (307); we follow up to
 * `maxRedirects` hops. Leaving the original origin drops `Authorization` (and cookies) and the auth context, so
 * no registry credential ever reaches another host, whatever the later hops do.
 */
export function withRedirects(next: Send, maxRedirects = 10): Send {
  return async (request) => {
    let current = request;
    for (let hop = 0; ; hop++) {
      const response = await next(current);
      const location = header(response.headers, 'location');
      if (!REDIRECT_STATUSES.has(response.status) || !location) return response;
      await discardBody(response);
      if (hop >= maxRedirects) {
        throw new RegistryError('PROTOCOL', `more than ${maxRedirects} redirects`, {
          method: request.method,
          url: request.url,
        });
      }
      let target: URL;
      try {
        target = new URL(location, current.url);
      } catch (error) {
        throw new RegistryError('PROTOCOL', 'redirect to an invalid Location', {
          method: current.method,
          url: current.url,
          cause: error,
        });
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:') {
        throw new RegistryError('PROTOCOL', `redirect to unsupported scheme ${target.protocol}`, {
          method: current.method,
          url: current.url,
        });
      }
      current = redirected(request, current, target, response.status);
    }
  };
}

function redirected(original: HttpRequest, current: HttpRequest, target: URL, status: number): HttpRequest {
  const sameOrigin = target.origin === original.url.origin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(current.headers ?? {})) {
    if (!sameOrigin && CREDENTIAL_HEADERS.includes(name.toLowerCase())) continue;
    headers[name] = value;
  }
  const toGet = status === 303 && current.method !== 'HEAD';
  return {
    method: toGet ? 'GET' : current.method,
    url: target,
    headers,
    body: toGet ? undefined : current.body,
    signal: current.signal,
    auth: sameOrigin ? original.auth : undefined,
  };
}
