import type { CredentialLookup, Credentials } from '../config/credentials.js';
import { registerSecret } from '../errors/redact.js';
import type { Send } from '../http/types.js';
import type { Challenge } from './challenge.js';
import { mergeScopes, splitScopes } from './scope.js';
import { TokenCache } from './token-cache.js';
import { fetchToken } from './token-client.js';

/**
 * Authentication state of one registry endpoint: the challenge it sent (learned from the ping or a 401), the
 * credentials that apply, and the bearer tokens fetched so far. It turns "I want to do X with these scopes" into
 * an `Authorization` header value.
 */
export class Authenticator {
  #challenge: Challenge | undefined;
  readonly #tokens = new TokenCache();
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(
    /** Registry host as users and auth files name it (`docker.io`, `127.0.0.1:5000`). */
    readonly registry: string,
    private readonly lookupCredentials: CredentialLookup,
    /** Transport for token requests: retries and redirects, but no registry auth. */
    private readonly tokenSend: Send,
  ) {}

  get challenge(): Challenge | undefined {
    return this.#challenge;
  }

  /** Records the registry's challenge (from `GET /v2/` or a 401). */
  learn(challenge: Challenge | undefined): void {
    if (challenge) this.#challenge = challenge;
  }

  async credentials(repository: string | undefined, signal?: AbortSignal): Promise<Credentials | undefined> {
    return (await this.lookupCredentials(this.registry, repository, signal))?.credentials;
  }

  /**
   * The header to send for these scopes, or `undefined` when the registry asked for nothing (yet) or we have
   * nothing to offer. Tokens come from the cache while valid.
   */
  async authorization(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    const repository = repositoryOf(scopes);
    if (challenge.scheme === 'basic') {
      const credentials = await this.credentials(repository, signal);
      if (credentials?.kind !== 'basic') return undefined;
      const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
      registerSecret(basic);
      return `Basic ${basic}`;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    const realm = challenge.params.realm;
    if (!realm) return undefined;
    const service = challenge.params.service;
    const key = TokenCache.key(realm, service, scopes);
    const cached = this.#tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    // Parallel requests for the same scopes share one token request.
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = (async () => {
        const credentials = await this.credentials(repository, signal);
        const answer = await fetchToken(this.tokenSend, { realm, service, scopes, credentials, signal });
        this.#tokens.set(key, answer.token, answer.expiresIn, answer.issuedAt);
        return answer.token;
      })();
      this.#inflight.set(key, pending);
      pending.then(
        () => this.#inflight.delete(key),
        () => this.#inflight.delete(key),
      );
    }
    return `Bearer ${await pending}`;
  }

  /**
   * After a 401: learns the new challenge, forgets the refused token, and returns the scopes to ask for next
   * (the request's scopes plus whatever `insufficient_scope` named).
   */
  refused(
    challenge: Challenge | undefined,
    scopes: readonly string[],
    sentHeader: string | undefined,
  ): string[] {
    if (challenge) this.#challenge = challenge;
    const current = this.#challenge;
    if (sentHeader?.startsWith('Bearer ') && current?.params.realm) {
      const key = TokenCache.key(current.params.realm, current.params.service, scopes);
      this.#tokens.invalidate(key, sentHeader.slice('Bearer '.length));
    }
    if (challenge?.params.error === 'insufficient_scope') {
      return mergeScopes(scopes, splitScopes(challenge.params.scope));
    }
    return [...scopes];
  }
}

/** The repository named by the first `repository:<name>:<actions>` scope: its credentials apply. */
export function repositoryOf(scopes: readonly string[]): string | undefined {
  for (const scope of scopes) {
    const m = scope.match(/^repository:(.+):[^:]*$/);
    if (m) return m[1];
  }
  return undefined;
}
