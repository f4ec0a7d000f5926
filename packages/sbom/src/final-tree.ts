import { normalizeImagePath } from './image-path.js';
import type { LayerDelta, TreeNode } from './layer-delta.js';

/** Symlink hops allowed while resolving one path, as Linux's MAXSYMLINKS. */
const MAX_HOPS = 40;

/**
 * The paths of interest of an image's final filesystem: layer deltas applied bottom to top with OCI's rules
 * (whiteouts and opaque directories hide lower layers only; an entry replaces what a lower layer had at its
 * path, and a non-directory hides everything a lower layer had below it). A file replaced by a later layer is
 * there once, as the later layer has it.
 */
export class FinalTree {
  readonly #nodes = new Map<string, TreeNode>();
  /**
   * Every path that has, or had, a node below it: only those need a walk of all nodes when something at
   * them is removed or replaced (most replaced paths are files without descendants).
   */
  readonly #parents = new Set<string>();

  apply(delta: LayerDelta): void {
    for (const path of delta.whiteouts) this.#remove(path, true);
    for (const dir of delta.opaqueDirs) this.#remove(dir, false);
    for (const [path, node] of delta.entries) {
      const previous = this.#nodes.get(path);
      if (node.kind === 'dir' && previous?.kind === 'dir') continue;
      if (node.kind !== 'dir') this.#remove(path, false);
      this.#nodes.set(path, node);
      for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
        const parent = path.slice(0, slash);
        if (this.#parents.has(parent)) break;
        this.#parents.add(parent);
      }
    }
  }

  /** Paths directly below `dir` (not resolved), sorted. */
  children(dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    return [...this.#nodes.keys()]
      .filter(
        (path) =>
          path.startsWith(prefix) && path.length > prefix.length && !path.slice(prefix.length).includes('/'),
      )
      .sort();
  }

  /**
   * Follows symlinks in every component of `path` (absolute targets from the image root, `..` stopping at the
   * root, as the kernel would inside the container). Returns the real path and what is there, or a reason.
   */
  resolve(path: string): { path: string; node?: TreeNode } | { loop: true } {
    let parts = normalizeImagePath(path).split('/').filter(Boolean);
    let hops = 0;
    for (let i = 0; i < parts.length; i++) {
      const here = parts.slice(0, i + 1).join('/');
      const node = this.#nodes.get(here);
      if (node?.kind !== 'symlink') continue;
      if (++hops > MAX_HOPS) return { loop: true };
      const base = node.target.startsWith('/') ? '' : parts.slice(0, i).join('/');
      parts = normalizeImagePath(`${base}/${node.target}/${parts.slice(i + 1).join('/')}`)
        .split('/')
        .filter(Boolean);
      i = -1;
    }
    const real = parts.join('/');
    const node = this.#nodes.get(real);
    return node ? { path: real, node } : { path: real };
  }

  #remove(path: string, itself: boolean): void {
    if (itself) this.#nodes.delete(path);
    if (path !== '' && !this.#parents.has(path)) return;
    const prefix = path === '' ? '' : `${path}/`;
    for (const key of [...this.#nodes.keys()])
      if (key.startsWith(prefix) && key !== path) this.#nodes.delete(key);
  }
}
