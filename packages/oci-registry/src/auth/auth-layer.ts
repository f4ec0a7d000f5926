import { discardBody } from '../http/body.js';
import type { HttpRequest, Send } from '../http/types.js';
import { type Authenticator, repositoryOf } from './authenticator.js';
import { parseChallenges, preferredChallenge } from './challenge.js';

/** How many times one request is re-sent after a 401: once for a first token, once for `insufficient_scope`. */
const MAX_AUTH_ROUNDS = 2;

/**
 * The auth layer: adds `Authorization` to registry API requests (those with an `auth` context) and answers a 401
 * by fetching a token for the scopes the registry asks for, at most {@link MAX_AUTH_ROUNDS} times. A 401 it cannot
 * fix is passed up unchanged; the caller turns it into `AUTH_REQUIRED` / `AUTH_FAILED`. Requests without an
 * `auth` context (foreign layers, redirect targets) never see credentials.
 */
export function withAuth(next: Send, authenticatorFor: (endpoint: string) => Authenticator): Send {
  return async (request) => {
    const context = request.auth;
    if (!context) return next(request);
    const authenticator = authenticatorFor(context.endpoint);
    let scopes = [...context.scopes];
    let authorization = await authenticator.authorization(scopes, request.signal);
    let response = await next(withAuthorization(request, authorization));
    for (let round = 0; round < MAX_AUTH_ROUNDS && response.status === 401; round++) {
      // Only the registry's own 401 counts; a 401 from a redirect target on another host is not ours to answer.
      if (response.url.origin !== request.url.origin) break;
      const challenge = preferredChallenge(parseChallenges(response.headers['www-authenticate']));
      const nextScopes = authenticator.refused(challenge, scopes, authorization);
      // Asking again for the same scopes only helps when we sent nothing yet or the token went stale; a refused
      // password or a token server that grants less than asked would refuse again.
      const stale = challenge?.params.error === 'invalid_token';
      if (authorization && sameScopes(nextScopes, scopes) && !stale) break;
      const nextAuthorization = await authenticator.authorization(nextScopes, request.signal);
      if (!nextAuthorization) break;
      await discardBody(response);
      scopes = nextScopes;
      authorization = nextAuthorization;
      response = await next(withAuthorization(request, authorization));
    }
    if (response.status === 401) {
      const found = await authenticator.credentials(repositoryOf(scopes), request.signal);
      return { ...response, credentialsSent: found !== undefined };
    }
    return response;
  };
}

function withAuthorization(request: HttpRequest, authorization: string | undefined): HttpRequest {
  if (!authorization) return request;
  return { ...request, headers: { ...request.headers, authorization } };
}

function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
