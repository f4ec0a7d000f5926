import { networkError } from '../errors/network-error.js';
import { abortReason, throwIfAborted } from './abort.js';
import type { Send } from './types.js';
import type { HttpWire } from './wire.js';

export interface BaseSendOptions {
  userAgent: string;
}

/**
 * The bottom of the HTTP stack: one request through the client's wire (undici or node:http), nothing else. Transport failures
 * become `RegistryError` (`NETWORK` / `TLS`); an abort rejects with the signal's reason.
 */
export function createBaseSend(transport: { wire(): HttpWire }, options: BaseSendOptions): Send {
  return async (request) => {
    throwIfAborted(request.signal);
    const wire = transport.wire();
    const body = typeof request.body === 'function' ? request.body() : request.body;
    try {
      const response = await wire.request({
        method: request.method,
        url: request.url,
        headers: { 'user-agent': options.userAgent, ...request.headers },
        body,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      // A body nobody reads any more (the caller gave up on it, or an abort tore the request down) emits its
      // error with no one listening, which would end the process. Readers still see every error: iterators
      // and pipelines attach their own listeners.
      response.body.on('error', () => {});
      return {
        status: response.status,
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
