import type { ApkPackage } from './apk-installed.js';
import { type CopyrightLicenses, copyrightLicenses } from './dep5-copyright.js';
import type { DpkgPackage } from './dpkg-status.js';
import type { FinalTree } from './final-tree.js';
import type { ParsedFile } from './parsed-file.js';

/** What an image's final filesystem says about its operating system and packages. */
export interface Inventory {
  /** os-release fields (`ID`, `VERSION_ID`, `PRETTY_NAME`...), when the image has one. */
  osRelease?: Record<string, string>;
  deb: (DpkgPackage & { licenses?: CopyrightLicenses; database: string })[];
  apk: (ApkPackage & { database: string })[];
  /** Problems met (capped files, malformed records, symlinks out of reach); never fatal. */
  warnings: string[];
}

type Found<K extends ParsedFile['kind']> = { path: string; parsed: Extract<ParsedFile, { kind: K }> };

/** Reads the inventory out of the final tree: distro, dpkg and apk databases, copyright licenses. */
export function takeInventory(tree: FinalTree): Inventory {
  const warnings: string[] = [];
  const find = <K extends ParsedFile['kind']>(path: string, kind: K): Found<K> | undefined => {
    const resolved = tree.resolve(path);
    if ('loop' in resolved) {
      warnings.push(`/${path}: too many levels of symbolic links`);
      return undefined;
    }
    const node = resolved.node;
    if (node?.kind !== 'file' || node.parsed?.kind !== kind) return undefined;
    return { path: resolved.path, parsed: node.parsed as Extract<ParsedFile, { kind: K }> };
  };
  const inventory: Inventory = { deb: [], apk: [], warnings };

  const osRelease = find('etc/os-release', 'os-release') ?? find('usr/lib/os-release', 'os-release');
  if (osRelease) inventory.osRelease = osRelease.parsed.fields;

  noteRedirect(tree, 'var/lib/dpkg', warnings);
  const databases: Found<'dpkg'>[] = [];
  const status = find('var/lib/dpkg/status', 'dpkg');
  if (status) databases.push(status);
  const statusDir = tree.resolve('var/lib/dpkg/status.d');
  if (!('loop' in statusDir) && statusDir.path === 'var/lib/dpkg/status.d') {
    for (const child of tree.children(statusDir.path)) {
      const found = find(child, 'dpkg');
      if (found) databases.push(found);
    }
  }
  const seen = new Set<string>();
  for (const database of databases) {
    for (const problem of database.parsed.problems) warnings.push(`/${database.path}: ${problem}`);
    for (const pkg of database.parsed.packages) {
      const key = `${pkg.name}:${pkg.architecture ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const copyright = find(`usr/share/doc/${pkg.name}/copyright`, 'copyright');
      inventory.deb.push({
        ...pkg,
        database: `/${database.path}`,
        ...(copyright?.parsed.machineReadable ? { licenses: copyrightLicenses(copyright.parsed) } : {}),
      });
    }
  }

  noteRedirect(tree, 'lib/apk/db', warnings, 'usr/lib/apk/db');
  const apk = find('lib/apk/db/installed', 'apk');
  if (apk) {
    for (const problem of apk.parsed.problems) warnings.push(`/${apk.path}: ${problem}`);
    for (const pkg of apk.parsed.packages) inventory.apk.push({ ...pkg, database: `/${apk.path}` });
  }
  return inventory;
}

/**
 * A package database directory that is a symlink to somewhere this reader does not capture (e.g.
 * /var/lib/dpkg -> /opt/dpkg) is not followed: say so rather than report an image without packages.
 */
function noteRedirect(tree: FinalTree, dir: string, warnings: string[], alsoRead?: string): void {
  const resolved = tree.resolve(dir);
  if ('loop' in resolved) {
    warnings.push(`/${dir}: too many levels of symbolic links`);
    return;
  }
  if (resolved.path === dir || resolved.path === alsoRead) return;
  warnings.push(`/${dir} is a symlink to /${resolved.path}: the package database there was not read`);
}
