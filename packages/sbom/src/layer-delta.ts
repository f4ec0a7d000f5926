import type { ParsedFile } from './parsed-file.js';

/** What a layer holds at a path of interest (see image-path.ts). */
export type TreeNode =
  /** A regular file; `parsed` when it is a file of interest and was read. */
  { kind: 'file'; parsed?: ParsedFile } | { kind: 'symlink'; target: string } | { kind: 'dir' };

/**
 * The part of one layer that matters for the inventory: entries at paths of interest, the whiteouts and
 * opaque directories that hide lower layers' paths of interest, and what went wrong reading it. Kept per
 * layer because a docker-archive names its layer order only in manifest.json, at the end of the tar.
 */
export interface LayerDelta {
  entries: Map<string, TreeNode>;
  /** Paths a `.wh.<name>` entry removes from lower layers. */
  whiteouts: string[];
  /** Directories whose lower-layer content a `.wh..wh..opq` entry hides. */
  opaqueDirs: string[];
  problems: string[];
}

export function emptyDelta(): LayerDelta {
  return { entries: new Map(), whiteouts: [], opaqueDirs: [], problems: [] };
}
