import { describe, expect, it } from 'vitest';
import { parseChallenges, preferredChallenge } from './challenge.js';
import { mergeScopes, repositoryScope, splitScopes } from './scope.js';

describe('WWW-Authenticate parsing', () => {
  it('reads a Docker Hub style bearer challenge', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"',
    );
    expect(c).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/debian:pull',
      },
    });
  });

  it('handles insufficient_scope with several scopes, escapes, token values and several challenges', () => {
    const challenges = parseChallenges([
      'Basic realm="a \\"quoted\\" realm"',
      'Bearer realm=https://t.example/token, error="insufficient_scope", scope="repository:a/b:pull,push repository:c:pull"',
    ]);
    expect(challenges).toHaveLength(2);
    expect(challenges[0]).toEqual({ scheme: 'basic', params: { realm: 'a "quoted" realm' } });
    const bearer = preferredChallenge(challenges);
    expect(bearer?.scheme).toBe('bearer');
    expect(bearer?.params.realm).toBe('https://t.example/token');
    expect(splitScopes(bearer?.params.scope)).toEqual(['repository:a/b:pull,push', 'repository:c:pull']);
  });

  it('returns nothing for an absent or empty header', () => {
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(preferredChallenge(parseChallenges('Negotiate'))).toBeUndefined();
  });
});

describe('scopes', () => {
  it('builds and merges repository scopes by resource', () => {
    expect(repositoryScope('library/debian', ['pull'])).toBe('repository:library/debian:pull');
    expect(
      mergeScopes(
        ['repository:a:pull'],
        ['repository:a:pull,push', 'repository:b:pull', 'registry:catalog:*'],
      ),
    ).toEqual(['repository:a:pull,push', 'repository:b:pull', 'registry:catalog:*']);
    // Registry names with a port keep their colon.
    expect(mergeScopes(['repository:host:5000/x:pull'], ['repository:host:5000/x:push'])).toEqual([
      'repository:host:5000/x:pull,push',
    ]);
  });
});
