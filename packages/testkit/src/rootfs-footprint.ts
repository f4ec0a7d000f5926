/**
 * What some packages cost on a minbase root: the packages they pull in through Depends / Pre-Depends that
 * minbase itself does not need, with their Installed-Size, read from the root's own dpkg database
 * (`dpkg-query --admindir=<root>/var/lib/dpkg -W`). Minbase is what mmdebstrap's minbase variant installs:
 * the Essential and Priority: required packages plus apt, and everything they depend on.
 */
import { join } from 'node:path';
import { runChecked } from './run-command.js';

export interface InstalledPackage {
  name: string;
  /** dpkg's Installed-Size, in KiB. */
  kib: number;
}

export interface Footprint {
  /** The packages `of` adds to minbase, largest first. */
  packages: InstalledPackage[];
  /** Their Installed-Size summed, in KiB. */
  kib: number;
}

interface Entry {
  name: string;
  kib: number;
  minbaseSeed: boolean;
  /** Dependency groups: each is a list of alternatives (package or virtual names). */
  depends: string[][];
}

// dpkg-query's ${Field} placeholders, tab-separated, one package a line.
const FIELDS = [
  'Package',
  'db:Status-Status',
  'Essential',
  'Priority',
  'Installed-Size',
  'Pre-Depends',
  'Depends',
  'Provides',
];
const FORMAT = `${FIELDS.map((field) => `\${${field}}`).join('\t')}\n`;

/** `a (>= 1) | b:any, c` -> [['a','b'],['c']] */
function parseRelations(field: string): string[][] {
  return field
    .split(',')
    .map((group) =>
      group
        .split('|')
        .map(
          (alternative) =>
            alternative
              .trim()
              .split(/[\s(]/)[0]
              ?.replace(/:[a-z0-9-]+$/, '') ?? '',
        )
        .filter(Boolean),
    )
    .filter((group) => group.length > 0);
}

async function readDatabase(
  rootDir: string,
): Promise<{ entries: Map<string, Entry>; providers: Map<string, string[]> }> {
  const { stdout } = await runChecked('dpkg-query', [
    `--admindir=${join(rootDir, 'var/lib/dpkg')}`,
    '-W',
    '-f',
    FORMAT,
  ]);
  const entries = new Map<string, Entry>();
  const providers = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [name, status, essential, priority, size, preDepends, depends, provides] = line.split('\t');
    if (!name || status !== 'installed') continue;
    entries.set(name, {
      name,
      kib: Number(size) || 0,
      minbaseSeed: essential === 'yes' || priority === 'required' || name === 'apt',
      depends: [...parseRelations(preDepends ?? ''), ...parseRelations(depends ?? '')],
    });
    for (const [virtual] of parseRelations(provides ?? '')) {
      if (virtual) providers.set(virtual, [...(providers.get(virtual) ?? []), name]);
    }
  }
  return { entries, providers };
}

/** Everything `seeds` need, as the installed packages satisfy it (first installed alternative of a group). */
function closure(seeds: Iterable<string>, db: Awaited<ReturnType<typeof readDatabase>>): Set<string> {
  const seen = new Set<string>();
  const queue = [...seeds];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const entry = db.entries.get(name);
    if (!entry || seen.has(name)) continue;
    seen.add(name);
    for (const group of entry.depends) {
      const chosen = group
        .flatMap((alternative) =>
          db.entries.has(alternative) ? [alternative] : (db.providers.get(alternative) ?? []),
        )
        .at(0);
      if (chosen) queue.push(chosen);
    }
  }
  return seen;
}

/** What `of` (installed package names) adds to a minbase root at `rootDir`; throws when one is not installed. */
export async function rootFootprint(rootDir: string, of: readonly string[]): Promise<Footprint> {
  const db = await readDatabase(rootDir);
  const missing = of.filter((name) => !db.entries.has(name));
  if (missing.length > 0) throw new Error(`not installed in ${rootDir}: ${missing.join(' ')}`);
  const minbase = closure(
    [...db.entries.values()].filter((entry) => entry.minbaseSeed).map((entry) => entry.name),
    db,
  );
  const packages = [...closure(of, db)]
    .filter((name) => !minbase.has(name))
    .map((name) => ({ name, kib: db.entries.get(name)?.kib ?? 0 }))
    .sort((a, b) => b.kib - a.kib || a.name.localeCompare(b.name));
  return { packages, kib: packages.reduce((sum, p) => sum + p.kib, 0) };
}

/** The version of an installed package in the root at `rootDir` (e.g. '18.20.4+dfsg-1~deb12u1'). */
export async function installedVersion(rootDir: string, name: string): Promise<string> {
  const { stdout } = await runChecked('dpkg-query', [
    `--admindir=${join(rootDir, 'var/lib/dpkg')}`,
    '-W',
    '-f',
    `\${Version}`,
    name,
  ]);
  return stdout;
}
