/** Token scope for a repository (`repository:library/debian:pull`). */
export function repositoryScope(repository: string, actions: ReadonlyArray<'pull' | 'push'>): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/**
 * Merges scopes: the same resource's actions are united (`pull` + `push` -> `pull,push`), order of first
 * appearance kept. Used when a registry answers `insufficient_scope` with the scope it wants.
 */
export function mergeScopes(...lists: ReadonlyArray<readonly string[]>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const list of lists) {
    for (const scope of list) {
      const last = scope.lastIndexOf(':');
      if (last <= 0) {
        if (!byResource.has(scope)) byResource.set(scope, new Set());
        continue;
      }
      const resource = scope.slice(0, last);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const a of scope.slice(last + 1).split(',')) if (a) actions.add(a);
      byResource.set(resource, actions);
    }
  }
  return [...byResource].map(([resource, actions]) =>
    actions.size ? `${resource}:${[...actions].join(',')}` : resource,
  );
}

/** Splits a challenge's `scope` parameter (space-separated) into scopes. */
export function splitScopes(value: string | undefined): string[] {
  return value ? value.split(' ').filter(Boolean) : [];
}
