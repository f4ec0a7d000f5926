import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CachedRootfs, runChecked } from '@isar/testkit';
import { createSbomCollector, type SbomCollector } from '../collector.js';
import { type TestArchives, writeArchives } from './archives.js';
import { writeOciLayout } from './oci-layout.js';
import { type TarEntry, writeTar } from './tar-files.js';

/** The package the upper layer removes (files whited out, stanza dropped) and the one it adds. */
export const REMOVED_PACKAGE = 'hostname';
export const ADDED_PACKAGE = 'isar-sbom-probe';

const addedStanza = `Package: ${ADDED_PACKAGE}
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 1
Maintainer: Isar tests <tests@example.test>
Architecture: all
Source: isar-sbom-probe-src (0.9-1)
Version: 1.0-1
Description: probe added by the upper layer
`;

const addedCopyright = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: isar-sbom-probe

Files: *
Copyright: 2026 Isar tests
License: GPL-2+ or Expat

License: GPL-2+
 This program is free software.
`;

/** dpkg's status without one package's stanza, plus the probe's. */
function upperStatus(status: string): string {
  const stanzas = status.split(/\n\n+/).filter((stanza) => stanza.trim() !== '');
  const kept = stanzas.filter((stanza) => !stanza.startsWith(`Package: ${REMOVED_PACKAGE}\n`));
  if (kept.length !== stanzas.length - 1)
    throw new Error(`no single ${REMOVED_PACKAGE} stanza in the status file`);
  return `${[...kept, addedStanza.trimEnd()].join('\n\n')}\n`;
}

export interface DebianImage extends TestArchives {
  /** A copy of the final tree's /var/lib/dpkg (the upper layer applied by hand), for dpkg-query. */
  finalAdmindir: string;
  manifestDigest: string;
  /** What tapped the docker-archive writer's layers while it wrote the docker-archive. */
  collector: SbomCollector;
}

/**
 * A two-layer image of a real Debian minbase root: the lower layer is the whole tree (GNU tar), the upper
 * removes `hostname` (whiteouts of its files, doc dir and dpkg info files, its stanza dropped) and adds a
 * probe package with a DEP-5 copyright. The final /var/lib/dpkg is also made directly on disk, the plain
 * way (rm, write), so that dpkg-query can say what the SBOM must list.
 */
export async function buildDebianImage(rootfs: CachedRootfs, dir: string): Promise<DebianImage> {
  await mkdir(dir, { recursive: true });
  const lower = join(dir, 'lower.tar');
  await runChecked('tar', [
    '--numeric-owner',
    '--sort=name',
    '--exclude=./dev/*',
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '-C',
    rootfs.dir,
    '-cf',
    lower,
    '.',
  ]);
  const admin = join(rootfs.dir, 'var/lib/dpkg');
  const status = upperStatus(await readFile(join(admin, 'status'), 'utf8'));
  const removedFiles = (await readFile(join(admin, 'info', `${REMOVED_PACKAGE}.list`), 'utf8'))
    .split('\n')
    .filter((path) => path.startsWith('/bin/') || path.startsWith('/usr/share/man/man1/'));
  const infoFiles = (await readdir(join(admin, 'info'))).filter((name) =>
    name.startsWith(`${REMOVED_PACKAGE}.`),
  );
  const whiteout = (path: string): TarEntry => {
    const slash = path.lastIndexOf('/');
    return { name: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, content: '' };
  };
  const upperEntries: TarEntry[] = [
    // /bin is a symlink to usr/bin in a merged-/usr root: the whiteouts go where the files really are.
    ...removedFiles.map((path) => whiteout(`usr${path.replace(/^\/usr/, '')}`)),
    whiteout(`usr/share/doc/${REMOVED_PACKAGE}`),
    ...infoFiles.map((name) => whiteout(`var/lib/dpkg/info/${name}`)),
    { name: 'var/lib/dpkg/status', content: status },
    { name: `usr/share/doc/${ADDED_PACKAGE}/copyright`, content: addedCopyright },
  ];
  const upper = join(dir, 'upper.tar');
  await writeTar(upper, upperEntries);

  const finalAdmindir = join(dir, 'final', 'var/lib/dpkg');
  await cp(admin, finalAdmindir, { recursive: true, verbatimSymlinks: true });
  for (const name of infoFiles) await rm(join(finalAdmindir, 'info', name));
  await writeFile(join(finalAdmindir, 'status'), status);

  const layout = await writeOciLayout(
    join(dir, 'layout'),
    [
      { tarFile: lower, compression: 'none' },
      { tarFile: upper, compression: 'gzip' },
    ],
    { ref: 'bookworm', architecture: rootfs.arch },
  );
  await rm(lower);
  const collector = createSbomCollector();
  const archives = await writeArchives(layout.dir, dir, 'example.test/isar/debian:bookworm', (layer) =>
    collector.tap(layer),
  );
  await rm(layout.dir, { recursive: true });
  return { ...archives, finalAdmindir, manifestDigest: layout.manifestDigest, collector };
}
