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

/** What `path` (normalized) is to the inventory, or undefined when it does not matter. */
export function pathRole(path: string): PathRole | undefined {
  const role = exact[path];
  if (role) return role;
  if (ancestors.has(path)) return 'ancestor';
  const parts = path.split('/');
  if (parts.length === 5 && path.startsWith('var/lib/dpkg/status.d/')) {
    // distroless keeps `<pkg>` and `<pkg>.md5sums` side by side; only the former is a status stanza.
    return parts[4]?.endsWith('.md5sums') ? undefined : 'dpkg-status-d';
  }
  if (path.startsWith('usr/share/doc/')) {
    if (parts.length === 4) return 'ancestor';
    if (parts.length === 5 && parts[4] === 'copyright') return 'copyright';
  }
  return undefined;
}

/** The paths {@link pathRole} knows by name, and the length of the longest. */
const named = new Set([...Object.keys(exact), ...ancestors]);
const longestNamed = Math.max(...[...named].map((path) => path.length));
const DOC = 'usr/share/doc/';
const STATUS_D = 'var/lib/dpkg/status.d/';

/**
 * A quick, exact pre-filter for tar entry names: false only when {@link pathRole} of the normalized name is
 * undefined and the name is no whiteout. Most of a layer's entries end here, before normalization. Plain
 * string tests at offsets (no slice, no hashing of a long name): this runs for each of a layer's thousands of
 * entries, mostly before V8 has optimized it, and one regular expression for all the known paths cost ~1 us a
 * name, most of the header walk.
 */
export function mayMatter(name: string): boolean {
  let start = 0;
  for (;;) {
    const code = name.charCodeAt(start);
    if (code === 0x2f) start += 1;
    else if (code === 0x2e && name.charCodeAt(start + 1) === 0x2f) start += 2;
    else break;
  }
  // Whiteouts (a `.wh.` name is first or follows a slash) and names that normalization would change (`a//b`,
  // `a/./b`, `..`): the slow, exact path.
  if (name.charCodeAt(start) === 0x2e || name.includes('/.', start) || name.includes('//', start))
    return true;
  const end = name.charCodeAt(name.length - 1) === 0x2f ? name.length - 1 : name.length;
  if (end - start <= longestNamed && named.has(name.slice(start, end))) return true;
  if (name.startsWith(DOC, start)) {
    // usr/share/doc/<pkg> or usr/share/doc/<pkg>/copyright
    const slash = name.indexOf('/', start + DOC.length);
    return slash === -1 || slash >= end || (end - slash === 10 && name.startsWith('copyright', slash + 1));
  }
  if (!name.startsWith(STATUS_D, start)) return false;
  const slash = name.indexOf('/', start + STATUS_D.length);
  return slash === -1 || slash >= end;
}
