import { RegistryError } from '../errors/registry-error.js';
import { isRetryableStatus } from '../errors/response-error.js';
import { abortReason, sleep } from './abort.js';
import { discardBody } from './body.js';
import { type HttpResponse, header, type Send } from './types.js';

/** How requests are retried after network errors and 408/429/5xx answers: attempts, backoff and time caps. */
export interface RetryPolicy {
  /** Tries in all, the first included (default 5). */
  attempts: number;
  /** First backoff delay; doubles per attempt (default 500 ms). */
  baseDelayMs: number;
  /** Cap of one delay, also of an honoured `Retry-After` (default 30 s). */
  maxDelayMs: number;
  /** No new attempt starts after this much time since the first (default 120 s). */
  maxElapsedMs: number;
  /** Called before each wait, for logs and progress displays. */
  onRetry?: (event: RetryEvent) => void;
}

/** One retry about to happen: the attempt that failed, the wait before the next one, and why. */
export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
  readonly method: string;
  readonly url: URL;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxElapsedMs: 120_000,
};

/** Methods safe to resend after any failure; POST/PATCH only when the server provably did nothing. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Exponential backoff with jitter: a random delay in [d/2, d], d = base * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The retry layer: network errors and 408/429/500/502/503/504 are tried again with backoff and jitter, honouring
 * `Retry-After`, within `attempts` and `maxElapsedMs`. Never after an abort, never on a definite answer
 * (401/403/404...). When it gives up on a status, the last response is returned for the caller's error message.
 */
export function withRetry(next: Send, policy: RetryPolicy): Send {
  return async (request) => {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined;
      let failure: unknown;
      try {
        response = await next(request);
      } catch (error) {
        if (request.signal?.aborted) throw abortReason(request.signal);
        failure = error;
        if (!(error instanceof RegistryError) || !error.retryable) throw error;
        if (!IDEMPOTENT.has(request.method) && !connectionRefused(error)) throw error;
      }
      if (response) {
        if (!isRetryableStatus(response.status)) return response;
        if (!IDEMPOTENT.has(request.method) && response.status !== 429 && response.status !== 503)
          return response;
      }
      const retryAfter = response ? parseRetryAfter(header(response.headers, 'retry-after')) : undefined;
      const elapsed = Date.now() - started;
      const delay =
        retryAfter !== undefined ? Math.min(retryAfter, policy.maxDelayMs) : backoffDelay(attempt, policy);
      const tooLate =
        elapsed + delay > policy.maxElapsedMs || (retryAfter !== undefined && retryAfter > policy.maxDelayMs);
      if (attempt >= policy.attempts || tooLate) {
        if (response) return response;
        throw failure;
      }
      if (response) await discardBody(response);
      policy.onRetry?.({
        attempt,
        delayMs: delay,
        reason: response ? `HTTP ${response.status}` : (failure as Error).message,
        method: request.method,
        url: request.url,
      });
      await sleep(delay, request.signal);
    }
  };
}

function connectionRefused(error: RegistryError): boolean {
  let current: unknown = error.cause;
  for (let i = 0; i < 4 && current instanceof Error; i++) {
    if ((current as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
