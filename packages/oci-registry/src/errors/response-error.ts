import { STATUS_CODES } from 'node:http';
import { abandonBody, readBodyLimited } from '../http/body.js';
import { type HttpResponse, header } from '../http/types.js';
import { RegistryError, type RegistryErrorCode, type RegistryErrorDetail } from './registry-error.js';

const ERROR_BODY_LIMIT = 64 * 1024;

/** Parses the distribution spec's error body; tolerant of registries that send something else. */
export function parseRegistryErrors(body: Buffer): RegistryErrorDetail[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: unknown; details?: unknown };
    if (!Array.isArray(parsed.errors)) return [];
    return parsed.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
        message: typeof e.message === 'string' ? e.message : undefined,
        detail: e.detail,
      }));
  } catch {
    return [];
  }
}

function codeForStatus(status: number, details: RegistryErrorDetail[]): RegistryErrorCode {
  const codes = new Set(details.map((d) => d.code));
  if (status === 429 || codes.has('TOOMANYREQUESTS')) return 'RATE_LIMITED';
  if (
    status === 404 ||
    codes.has('MANIFEST_UNKNOWN') ||
    codes.has('BLOB_UNKNOWN') ||
    codes.has('NAME_UNKNOWN')
  )
    return 'NOT_FOUND';
  if (status === 401) return 'AUTH_REQUIRED';
  if (status === 403 || codes.has('DENIED')) return 'DENIED';
  if (status === 413) return 'TOO_LARGE';
  if (status >= 500 || status === 408) return 'SERVER';
  return 'PROTOCOL';
}

/** Statuses where trying again later may succeed. */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

/**
 * Builds the error for an unexpected response, reading (a bounded part of) its body for the registry's
 * `errors[].code/message`. `what` says what we were doing ("manifest library/debian:bookworm").
 */
export async function errorFromResponse(
  response: HttpResponse,
  what: string,
  override?: { code?: RegistryErrorCode; hint?: string },
): Promise<RegistryError> {
  const { method, url } = response.request;
  let details: RegistryErrorDetail[] = [];
  if (method !== 'HEAD') {
    try {
      details = parseRegistryErrors(await readBodyLimited(response, ERROR_BODY_LIMIT, 'error body'));
    } catch {
      abandonBody(response);
    }
  } else {
    abandonBody(response);
  }
  let code = override?.code ?? codeForStatus(response.status, details);
  if (code === 'AUTH_REQUIRED' && response.credentialsSent) code = 'AUTH_FAILED';
  const summary = details.length
    ? details.map((d) => (d.message ? `${d.code}: ${d.message}` : d.code)).join('; ')
    : `HTTP ${response.status}${STATUS_CODES[response.status] ? ` ${STATUS_CODES[response.status]}` : ''}`;
  const retryAfter = header(response.headers, 'retry-after');
  return new RegistryError(code, `${what}: ${summary}${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}`, {
    method,
    url,
    status: response.status,
    registryErrors: details,
    retryable: isRetryableStatus(response.status),
    hint: override?.hint ?? hintFor(code),
  });
}

function hintFor(code: RegistryErrorCode): string | undefined {
  switch (code) {
    case 'AUTH_REQUIRED':
      return 'log in (skopeo login / docker login) or pass an auth file';
    case 'AUTH_FAILED':
      return 'check the credentials in your auth file or credential helper';
    case 'RATE_LIMITED':
      return 'wait, authenticate, or use a pull-through mirror (registries.conf)';
    default:
      return undefined;
  }
}
