/** Credentials for one registry, as found in an auth file, a credential helper or given by the caller. */
export type Credentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  /** An identity (refresh) token: exchanged at the token server with `grant_type=refresh_token`. */
  | { readonly kind: 'identity-token'; readonly token: string; readonly username?: string };

/** Where credentials came from, for diagnostics (`auth.json`, `docker-credential-pass`, `options`). */
export interface FoundCredentials {
  readonly credentials: Credentials;
  readonly source: string;
}

/** Looks up credentials for a registry host and repository (`repository` lets `host/ns/repo` keys win). */
export type CredentialLookup = (
  registry: string,
  repository: string | undefined,
  signal?: AbortSignal,
) => Promise<FoundCredentials | undefined>;
