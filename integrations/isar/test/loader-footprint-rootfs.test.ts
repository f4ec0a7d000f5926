/**
 * The size table of the READMEs (this layer's and the repository's), checked against the device roots the
 * loader tests run in: what nodejs pulls into a minbase root, zstd (all Isar's shell loader needs besides the
 * engine and a shell) and the loader itself, from the roots' own dpkg databases (Installed-Size).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cachedRootfs,
  DEVICE_ROOTS,
  type DeviceSuite,
  installedVersion,
  rootFootprint,
  rootfsUnavailable,
} from '@isar/testkit';
import { describe, expect, it } from 'vitest';
import { BUNDLE, LAYER_DIR } from './loader-project.js';

const unavailable = rootfsUnavailable();
if (unavailable) console.warn(`loader footprint: skipped: ${unavailable}`);

const READMES = [join(LAYER_DIR, 'README.md'), fileURLToPath(new URL('../../../README.md', import.meta.url))];
const MIB = 1024 * 1024;

/** The size table's row for a suite: `| Debian 12 bookworm (...) | 18.20 | 96.8 MiB | 94.4 MiB | 2.1 MiB (zstd) |` */
function tableRow(readme: string, suite: string) {
  const row = readme.split('\n').find((line) => line.startsWith('| ') && line.includes(` ${suite} (`));
  const cells = row?.split('|').map((cell) => cell.trim()) ?? [];
  const mib = (cell: string | undefined) => Number(/^([\d.]+) MiB/.exec(cell ?? '')?.[1]);
  return { row, node: cells[2], total: mib(cells[3]), node_js: mib(cells[4]), shell: mib(cells[5]) };
}

describe.skipIf(unavailable)('the READMEs tell what the loader adds to a device, as measured', () => {
  it.each(Object.keys(DEVICE_ROOTS) as DeviceSuite[])('%s', async (suite) => {
    const root = await cachedRootfs(DEVICE_ROOTS[suite]);
    const node = await rootFootprint(root.dir, ['nodejs']);
    const zstd = await rootFootprint(root.dir, ['zstd']);
    const loader = (await stat(BUNDLE)).size;
    const version = await installedVersion(root.dir, 'nodejs');
    const measured = {
      node: node.kib / 1024,
      zstd: zstd.kib / 1024,
      total: (node.kib + zstd.kib) / 1024 + loader / MIB,
    };
    console.info(
      `${suite}: nodejs ${version}; nodejs adds ${measured.node.toFixed(1)} MiB (${node.packages
        .map((p) => `${p.name} ${p.kib}`)
        .join(', ')} KiB), zstd ${measured.zstd.toFixed(1)} MiB, loader ${(loader / MIB).toFixed(2)} MiB`,
    );
    for (const file of READMES) {
      const stated = tableRow(await readFile(file, 'utf8'), suite);
      expect(stated.row, `${file}: no size row for ${suite}`).toBeDefined();
      expect(version.startsWith(`${stated.node}.`), `${file}: Node.js ${stated.node} vs ${version}`).toBe(
        true,
      );
      // Point releases move sizes a little; a stale table does not survive a new Node.js or ICU.
      expect(Math.abs(stated.node_js - measured.node), `${file}: ${stated.row}`).toBeLessThan(
        measured.node * 0.03,
      );
      expect(Math.abs(stated.total - measured.total), `${file}: ${stated.row}`).toBeLessThan(
        measured.total * 0.03,
      );
      expect(Math.abs(stated.shell - measured.zstd), `${file}: ${stated.row}`).toBeLessThan(0.15);
    }
  });
});
