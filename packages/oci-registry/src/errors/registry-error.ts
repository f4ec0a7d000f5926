import { redactError, redactText, redactUrl } from './redact.js';

/** Stable error codes of `@isar/oci-registry`. Callers switch on these; they never change meaning. */
export type RegistryErrorCode =
  /** 401 and we had no credentials to offer. */
  | 'AUTH_REQUIRED'
  /** 401 although we sent credentials (wrong user/password/token). */
  | 'AUTH_FAILED'
  /** 403: authenticated but not allowed. */
  | 'DENIED'
  /** 404 / MANIFEST_UNKNOWN / BLOB_UNKNOWN / NAME_UNKNOWN. */
  | 'NOT_FOUND'
  /** 429 / TOOMANYREQUESTS after the retries allowed. */
  | 'RATE_LIMITED'
  /** Content hashed to something else than its digest (or `Docker-Content-Digest`). */
  | 'DIGEST_MISMATCH'
  /** Content longer than allowed (descriptor size, 4 MiB manifest limit). */
  | 'TOO_LARGE'
  /** Content shorter than its descriptor says. */
  | 'SIZE_MISMATCH'
  /** Certificate or handshake failure. */
  | 'TLS'
  /** Connection refused/reset/timed out, DNS failure. */
  | 'NETWORK'
  /** The registry answered something the protocol does not allow (bad JSON, wrong status, bad Content-Range). */
  | 'PROTOCOL'
  /** A 5xx (or other unexpected status) after the retries allowed. */
  | 'SERVER'
  /** Docker schema 1 manifest: obsolete, not supported. */
  | 'UNSUPPORTED_SCHEMA1'
  /** Media type we cannot handle here (e.g. an index where an image was required). */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** registries.conf marks the registry as blocked. */
  | 'BLOCKED'
  /** A local configuration file (auth.json, registries.conf, certs) is unreadable or invalid. */
  | 'CONFIG'
  /** A credential helper failed. */
  | 'CREDENTIAL_HELPER'
  /** The index has no manifest for the requested platform. */
  | 'NO_MATCHING_PLATFORM'
  /** The registry refused an upload or a manifest (e.g. MANIFEST_BLOB_UNKNOWN, DIGEST_INVALID). */
  | 'UPLOAD_FAILED';

/** One entry of a registry's JSON error body (`{"errors":[{"code","message","detail"}]}`). */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface RegistryErrorOptions {
  cause?: unknown;
  method?: string;
  url?: URL | string;
  status?: number;
  registryErrors?: RegistryErrorDetail[];
  /** Whether trying again later could succeed. Defaults by code. */
  retryable?: boolean;
  /** A one-line suggestion for the user (the CLI prints it under the message). */
  hint?: string;
}

const RETRYABLE_BY_DEFAULT = new Set<RegistryErrorCode>(['NETWORK', 'RATE_LIMITED', 'SERVER']);

/**
 * The one error class of this package. `code` is stable; the message is one line for users and already says
 * `[METHOD] url: what happened`. Credentials are redacted from message, URL and the whole `cause` chain.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly method: string | undefined;
  /** The request URL, redacted. */
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly registryErrors: RegistryErrorDetail[];
  readonly retryable: boolean;
  readonly hint: string | undefined;

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    const url = options.url === undefined ? undefined : redactUrl(options.url);
    const prefix = options.method && url ? `[${options.method}] ${url}: ` : url ? `${url}: ` : '';
    super(
      redactText(prefix + message),
      options.cause === undefined ? undefined : { cause: redactError(options.cause) },
    );
    this.code = code;
    this.method = options.method;
    this.url = url;
    this.status = options.status;
    this.registryErrors = (options.registryErrors ?? []).map((e) => ({
      ...e,
      message: e.message === undefined ? undefined : redactText(e.message),
    }));
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.hint = options.hint;
  }

  /** The same error with a (different) hint for the user; errors are not changed in place. */
  withHint(hint: string): RegistryError {
    const copy = Object.create(Object.getPrototypeOf(this)) as RegistryError;
    return Object.defineProperties(copy, {
      ...Object.getOwnPropertyDescriptors(this),
      hint: { value: hint, enumerable: true },
    });
  }
}

/** Whether `error` is a {@link RegistryError}, optionally with the given `code`. */
export function isRegistryError(error: unknown, code?: RegistryErrorCode): error is RegistryError {
  return error instanceof RegistryError && (code === undefined || error.code === code);
}
