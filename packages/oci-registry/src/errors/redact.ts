/**
 * Secret redaction for everything we put into an error or a log line. Two mechanisms, because neither is enough
 * alone: patterns catch the shapes secrets travel in (URL user-info, `Authorization` values, token-ish query
 * parameters, JSON token fields), and a registry of known secret values catches a password or token that shows up
 * somewhere unexpected (a helper's stderr, a server echoing a header).
 */

const REDACTED = '***';

/** Known secret values (passwords, tokens, base64 `user:pass`), registered as soon as we load or receive them. */
const knownSecrets = new Set<string>();
const MAX_KNOWN_SECRETS = 1000;

/** Remembers a secret so that {@link redactText} removes it wherever it appears. Short values are ignored. */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < 4) return;
  // Bounded: a long-running process that refreshes tokens must not grow without end.
  if (knownSecrets.size >= MAX_KNOWN_SECRETS) {
    const oldest = knownSecrets.values().next().value;
    if (oldest !== undefined) knownSecrets.delete(oldest);
  }
  knownSecrets.add(secret);
  // The base64 forms travel in `Authorization: Basic` headers and in auth.json.
  if (secret.includes(':')) knownSecrets.add(Buffer.from(secret).toString('base64'));
}

const SENSITIVE_QUERY =
  /([?&](?:token|access_token|refresh_token|password|passwd|secret|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|key)=)[^&#\s"']*/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s"']*@/gi;
const AUTH_HEADER_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const JSON_SECRET_FIELD =
  /("(?:token|access_token|refresh_token|identitytoken|password|secret|auth|Secret|registrytoken)"\s*:\s*")[^"]*"/gi;

/** Removes credentials from free text: URLs, header values, JSON fields and registered secret values. */
export function redactText(text: string): string {
  let out = text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SENSITIVE_QUERY, `$1${REDACTED}`)
    .replace(AUTH_HEADER_VALUE, `$1 ${REDACTED}`)
    .replace(JSON_SECRET_FIELD, `$1${REDACTED}"`);
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** A URL as it may be shown: no user-info, token-ish query parameters masked. */
export function redactUrl(url: URL | string): string {
  return redactText(typeof url === 'string' ? url : url.href);
}

/**
 * A copy of an error (and its `cause` chain) with every string property redacted. The copy keeps the prototype,
 * so `instanceof` and `code` checks still work on it.
 */
export function redactError(error: unknown, depth = 0): unknown {
  if (depth > 8) return undefined;
  if (typeof error === 'string') return redactText(error);
  if (!(error instanceof Error)) return error;
  const copy = Object.create(Object.getPrototypeOf(error)) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (key === 'cause') copy[key] = redactError(value, depth + 1);
    else if (typeof value === 'string') copy[key] = redactText(value);
    else if (key === 'headers' || key === 'socket' || key === 'body')
      continue; // may hold Authorization
    else copy[key] = value;
  }
  // Own properties are copied with their enumerability lost; keep `message`/`stack` non-enumerable as usual.
  for (const key of ['message', 'stack', 'cause']) {
    if (key in copy)
      Object.defineProperty(copy, key, { value: copy[key], enumerable: false, writable: true });
  }
  return copy;
}
