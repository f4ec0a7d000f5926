import type { Readable } from 'node:stream';
import { RegistryError } from '../errors/registry-error.js';
import { type HttpResponse, header } from './types.js';

/**
 * Drops a response body at once, unread. Destroying an unread undici body makes it emit a `RequestAbortedError`
 * on a later turn; with no listener that is an uncaught exception that ends the process. Every body we give up
 * on goes through here, never through a bare `destroy()`.
 */
export function abandonBody(response: Pick<HttpResponse, 'body'>): void {
  const body = response.body;
  body.on('error', () => {});
  body.destroy();
}

const DISCARD_LIMIT = 256 * 1024;

/**
 * Frees a response body we do not want, so the connection can be reused: a small body is read to its end
 * (undici's `dump`, or reading it for any other stream), one over 256 KiB is cut (its connection closed).
 */
export async function discardBody(response: HttpResponse): Promise<void> {
  const body = response.body as Readable & { dump?: (opts?: { limit?: number }) => Promise<void> };
  try {
    if (typeof body.dump === 'function') {
      await body.dump({ limit: DISCARD_LIMIT });
      return;
    }
    let seen = 0;
    for await (const chunk of body) {
      seen += (chunk as Buffer).length;
      if (seen > DISCARD_LIMIT) {
        abandonBody(response);
        return;
      }
    }
  } catch {
    // The body failed while being discarded: nothing to keep anyway.
  }
}

/**
 * Reads a whole (small) body into memory, refusing more than `limit` bytes: checks `Content-Length` first so an
 * oversized document is refused without reading it, then counts while reading (the header may be absent or lie).
 */
export async function readBodyLimited(response: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const { method, url } = response.request;
  const declared = Number(header(response.headers, 'content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    abandonBody(response);
    throw new RegistryError('TOO_LARGE', `${what} is ${declared} bytes, more than the limit of ${limit}`, {
      method,
      url,
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > limit) {
        abandonBody(response);
        throw new RegistryError('TOO_LARGE', `${what} exceeds the limit of ${limit} bytes`, { method, url });
      }
      chunks.push(buf);
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError('NETWORK', `reading ${what} failed: ${(error as Error).message}`, {
      method,
      url,
      cause: error,
    });
  }
  return Buffer.concat(chunks, total);
}
