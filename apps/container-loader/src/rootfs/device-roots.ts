/**
 * The loader on a device root (the test kit's DEVICE_ROOTS, opened with openDeviceRoot): the single-file
 * build installed where the Isar package puts it (/usr/share/<pkg>/container-loader.mjs), run under chroot
 * with only the PATH systemd gives a service.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceRoot, RunResult } from '@isar/testkit';
import type { LoadReport } from '../report/result.js';

export const BUNDLE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'container-loader.mjs',
);

/** Isar's package layout for a loader recipe named `pkg`. */
export function packagePaths(pkg: string) {
  const share = `/usr/share/${pkg}`;
  return {
    share,
    loader: `${share}/container-loader.mjs`,
    images: `${share}/images`,
    list: `${share}/image.list`,
    config: `/etc/${pkg}.conf`,
  };
}

/** Copies the bundle to /usr/share/<pkg>/container-loader.mjs; returns the host path of the images dir. */
export async function installLoader(root: DeviceRoot, pkg: string): Promise<string> {
  const paths = packagePaths(pkg);
  const loader = await root.hostPath(paths.loader);
  const images = await root.hostPath(paths.images);
  await mkdir(images, { recursive: true });
  await copyFile(BUNDLE, loader);
  return images;
}

export interface LoaderRun extends RunResult {
  report?: LoadReport;
}

/** `node /usr/share/<pkg>/container-loader.mjs <args>` in the root; parses the report when `--json` is given. */
export async function runLoader(root: DeviceRoot, pkg: string, args: string[]): Promise<LoaderRun> {
  const run = await root.run('node', [packagePaths(pkg).loader, ...args], {
    signal: AbortSignal.timeout(120_000),
  });
  if (!args.includes('--json')) return run;
  try {
    return { ...run, report: JSON.parse(run.stdout) as LoadReport };
  } catch {
    throw new Error(`no JSON report (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
}
