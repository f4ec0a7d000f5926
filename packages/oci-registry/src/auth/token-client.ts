import type { Credentials } from '../config/credentials.js';
import { registerSecret } from '../errors/redact.js';
import { RegistryError } from '../errors/registry-error.js';
import { errorFromResponse } from '../errors/response-error.js';
import { readBodyLimited } from '../http/body.js';
import type { Send } from '../http/types.js';

/** Token answers larger than this are refused (containers/image uses the same limit). */
const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
/** The distribution token spec's default lifetime when `expires_in` is absent. */
const DEFAULT_EXPIRES_IN = 60;
const CLIENT_ID = 'isar-oci-registry';

export interface TokenRequest {
  readonly realm: string;
  readonly service: string | undefined;
  readonly scopes: readonly string[];
  readonly credentials: Credentials | undefined;
  readonly signal?: AbortSignal;
}

export interface TokenAnswer {
  readonly token: string;
  readonly expiresIn: number;
  readonly issuedAt: number | undefined;
}

/**
 * Fetches a bearer token from a token server (distribution token spec). Basic credentials go as `GET` with
 * `Authorization: Basic`; an identity token goes as the OAuth2 `POST` with `grant_type=refresh_token`; without
 * credentials the `GET` is anonymous. `send` must not be the auth layer itself (the token server is not a
 * registry).
 */
export async function fetchToken(send: Send, request: TokenRequest): Promise<TokenAnswer> {
  let realm: URL;
  try {
    realm = new URL(request.realm);
  } catch (error) {
    throw new RegistryError('PROTOCOL', `registry sent an invalid token realm "${request.realm}"`, {
      cause: error,
    });
  }
  if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
    throw new RegistryError('PROTOCOL', `token realm must be http(s), got ${realm.protocol}`);
  }
  const { credentials } = request;
  let response: Awaited<ReturnType<Send>>;
  if (credentials?.kind === 'identity-token') {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: credentials.token,
      client_id: CLIENT_ID,
      access_type: 'offline',
    });
    if (request.service) form.set('service', request.service);
    if (request.scopes.length) form.set('scope', request.scopes.join(' '));
    response = await send({
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form.toString(),
      signal: request.signal,
    });
  } else {
    const url = new URL(realm);
    if (request.service) url.searchParams.set('service', request.service);
    for (const scope of request.scopes) url.searchParams.append('scope', scope);
    if (credentials) url.searchParams.set('account', credentials.username);
    const headers: Record<string, string> = {};
    if (credentials?.kind === 'basic') {
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
      registerSecret(basic);
      headers.authorization = `Basic ${basic}`;
    }
    response = await send({ method: 'GET', url, headers, signal: request.signal });
  }

  if (response.status !== 200) {
    const code = response.status === 401 ? (credentials ? 'AUTH_FAILED' : 'AUTH_REQUIRED') : undefined;
    throw await errorFromResponse(response, 'token request', code ? { code } : undefined);
  }
  const body = await readBodyLimited(response, TOKEN_RESPONSE_LIMIT, 'token answer');
  let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch (error) {
    throw new RegistryError('PROTOCOL', 'token answer is not JSON', {
      method: response.request.method,
      url: response.url,
      cause: error,
    });
  }
  const token =
    typeof parsed.token === 'string' && parsed.token
      ? parsed.token
      : typeof parsed.access_token === 'string'
        ? parsed.access_token
        : '';
  if (!token) {
    throw new RegistryError('PROTOCOL', 'token answer has neither "token" nor "access_token"', {
      method: response.request.method,
      url: response.url,
    });
  }
  registerSecret(token);
  const expiresIn =
    typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_EXPIRES_IN;
  const issued = typeof parsed.issued_at === 'string' ? Date.parse(parsed.issued_at) : Number.NaN;
  return { token, expiresIn, issuedAt: Number.isFinite(issued) ? issued : undefined };
}
