import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the peers' test tables live: `PEER_SUITES_DIR`, else `<repo root>/../shared/peer-suites`. They are read at
 * test time and never copied into the repository (see issue 16).
 */
export function peerSuitesDir(): string {
  const fromEnv = process.env.PEER_SUITES_DIR;
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve(dir, '..', 'shared', 'peer-suites');
}

/** One peer table file, or why it could not be read (the conformance tests then say so and skip). */
export type PeerTable<T> =
  | { readonly found: true; readonly path: string; readonly data: T }
  | { readonly found: false; readonly path: string; readonly why: string };

/** Reads `<peer suites>/<file>` as JSON. */
export function loadPeerTable<T>(file: string): PeerTable<T> {
  const path = join(peerSuitesDir(), file);
  if (!existsSync(path)) {
    return { found: false, path, why: `${path} is absent (set PEER_SUITES_DIR to the peer-suites folder)` };
  }
  return { found: true, path, data: JSON.parse(readFileSync(path, 'utf8')) as T };
}
