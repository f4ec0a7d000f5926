/** Minimal HTTP(S) GET used to wait for servers the kit starts (node:http so a private CA can be trusted). */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpGet(
  url: string,
  options: {
    ca?: string;
    /** A client certificate and key (PEM) for servers that demand one. */
    cert?: string;
    key?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'GET',
        headers: options.headers,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        signal: options.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}

/**
 * Polls `url` until `accept(status)` holds. `failed()` is checked between attempts so a server that
 * died during start-up is reported at once instead of after the timeout.
 */
export async function waitForHttp(
  url: string,
  options: {
    ca?: string;
    cert?: string;
    key?: string;
    accept?: (status: number) => boolean;
    timeoutMs?: number;
    failed?: () => string | undefined;
    signal?: AbortSignal;
  } = {},
): Promise<void> {
  const accept = options.accept ?? ((status) => status > 0);
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError = 'no answer';
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    options.signal?.throwIfAborted();
    const failure = options.failed?.();
    if (failure !== undefined) throw new Error(failure);
    try {
      const { status } = await httpGet(url, {
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        signal: options.signal,
      });
      if (accept(status)) return;
      lastError = `status ${status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become ready: ${lastError}`);
    await sleep(delay, undefined, { signal: options.signal });
  }
}
