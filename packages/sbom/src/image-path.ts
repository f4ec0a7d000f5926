import { regExpLiteral } from './regexp-literal.js';

/**
 * Which paths of an image's filesystem matter for its package inventory. Everything else in a layer is
 * skipped as it streams past; these are the only files whose content (parsed) or shape (symlink, directory,
 * whiteout) is kept.
 */
export type PathRole =
  | 'os-release'
  | 'dpkg-status'
  | 'dpkg-status-d'
  | 'copyright'
  | 'apk-installed'
  /** A directory on the way to one of the above: a symlink or whiteout here changes where they are. */
  | 'ancestor';

const exact: Record<string, PathRole> = {
  'etc/os-release': 'os-release',
  'usr/lib/os-release': 'os-release',
  'var/lib/dpkg/status': 'dpkg-status',
  'lib/apk/db/installed': 'apk-installed',
  // A merged-/usr image keeps /lib as a symlink to usr/lib: the database is then found under usr/.
  'usr/lib/apk/db/installed': 'apk-installed',
};

const ancestors = new Set([
  '',
  'etc',
  'usr',
  'usr/lib',
  'usr/share',
  'usr/share/doc',
  'var',
  'var/lib',
  'var/lib/dpkg',
  'var/lib/dpkg/status.d',
  'lib',
  'lib/apk',
  'lib/apk/db',
  'usr/lib/apk',
  'usr/lib/apk/db',
]);

/**
 * A tar entry name as a path relative to the image root: no leading `./` or `/`, no empty or `.` components,
 * no trailing slash. `..` components are dropped at the root (a layer cannot climb out of the image).
 */
export function normalizeImagePath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Where package documentation and distroless status stanzas live. */
const DOC = 'usr/share/doc/';
const STATUS_D = 'var/lib/dpkg/status.d/';

/** What `path` (normalized) is to the inventory, or undefined when it does not matter. */
export function pathRole(path: string): PathRole | undefined {
  const role = exact[path];
  if (role) return role;
  if (ancestors.has(path)) return 'ancestor';
  const parts = path.split('/');
  if (parts.length === 5 && path.startsWith(STATUS_D)) {
    // distroless keeps `<pkg>` and `<pkg>.md5sums` side by side; only the former is a status stanza.
    return parts[4]?.endsWith('.md5sums') ? undefined : 'dpkg-status-d';
  }
  if (path.startsWith(DOC)) {
    if (parts.length === 4) return 'ancestor';
    if (parts.length === 5 && parts[4] === 'copyright') return 'copyright';
  }
  return undefined;
}

/**
 * The names {@link mayMatter} lets through, as one expression. After the leading `./` and `/` (taken
 * atomically, by a lookahead and a back-reference, so that backtracking cannot hand them to the rest):
 * anything starting with a dot or holding `/.` or `//` (whiteouts, names normalization would change), a
 * path {@link pathRole} knows by name, `usr/share/doc/<pkg>` and its `copyright`, a `status.d` file; each
 * with an optional trailing slash.
 */
const MAY_MATTER = new RegExp(
  [
    '^(?=((?:\\./|/)*))\\1(?:',
    [
      '\\.',
      '[^]*/[./]',
      `(?:${[...Object.keys(exact), ...ancestors].map(regExpLiteral).join('|')})/?$`,
      `${regExpLiteral(DOC)}[^/]*(?:/copyright)?/?$`,
      `${regExpLiteral(STATUS_D)}[^/]*/?$`,
    ].join('|'),
    ')',
  ].join(''),
);

/**
 * A quick, exact pre-filter for tar entry names: false only when {@link pathRole} of the normalized name is
 * undefined and the name is no whiteout. Most of a layer's entries end here, before normalization.
 * One regular expression: this runs for each of a layer's thousands of entries, once per fetch. The same
 * test as string calls in JavaScript cost about as much to run, and then several times that again for V8 to
 * compile it (on a background thread, but CPU all the same) before the layer had passed.
 */
export function mayMatter(name: string): boolean {
  return MAY_MATTER.test(name);
}
