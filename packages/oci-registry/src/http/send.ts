import type { Dispatcher } from 'undici';
import { networkError } from '../errors/network-error.js';
import { abortReason, throwIfAborted } from './abort.js';
import type { Send } from './types.js';

export interface BaseSendOptions {
  userAgent: string;
}

/**
 * The bottom of the HTTP stack: one request through the client's dispatcher, nothing else. Transport failures
 * become `RegistryError` (`NETWORK` / `TLS`); an abort rejects with the signal's reason.
 */
export function createBaseSend(
  transport: { dispatcher(): Promise<Dispatcher> },
  options: BaseSendOptions,
): Send {
  return async (request) => {
    throwIfAborted(request.signal);
    const dispatcher = await transport.dispatcher();
    throwIfAborted(request.signal);
    const body = typeof request.body === 'function' ? request.body() : request.body;
    try {
      const response = await dispatcher.request({
        origin: request.url.origin,
        path: `${request.url.pathname}${request.url.search}`,
        method: request.method,
        headers: { 'user-agent': options.userAgent, ...request.headers },
        body: body ?? null,
        signal: request.signal,
      });
      // A body nobody reads any more (the caller gave up on it, or an abort tore the request down) emits its
      // error with no one listening, which would end the process. Readers still see every error: iterators
      // and pipelines attach their own listeners.
      response.body.on('error', () => {});
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
        url: request.url,
        request,
      };
    } catch (error) {
      if (body && typeof body === 'object' && 'destroy' in body) body.destroy();
      if (request.signal?.aborted) throw abortReason(request.signal);
      throw networkError(error, request.method, request.url);
    }
  };
}
