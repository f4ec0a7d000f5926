/** A bearer token with the moment it stops being usable. */
export interface CachedToken {
  readonly token: string;
  /** Milliseconds since the epoch after which we fetch a new one. */
  readonly expiresAt: number;
}

/** Safety margin: a token that expires within this many ms is treated as expired (clock skew, slow requests). */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * Bearer tokens per (realm, service, scopes). A token for `pull` is never used for `pull,push`: the key is the
 * exact scope set, sorted.
 */
export class TokenCache {
  readonly #entries = new Map<string, CachedToken>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  static key(realm: string, service: string | undefined, scopes: readonly string[]): string {
    return `${realm}|${service ?? ''}|${[...scopes].sort().join(' ')}`;
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt - EXPIRY_MARGIN_MS <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  set(key: string, token: string, expiresInSeconds: number, issuedAt?: number): void {
    const start = issuedAt !== undefined && issuedAt <= this.#now() ? issuedAt : this.#now();
    this.#entries.set(key, { token, expiresAt: start + expiresInSeconds * 1000 });
  }

  /** Drops a token the registry refused, so the next request fetches a fresh one. */
  invalidate(key: string, token: string): void {
    if (this.#entries.get(key)?.token === token) this.#entries.delete(key);
  }
}
