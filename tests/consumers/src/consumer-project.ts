/**
 * Packs the publishable packages with `pnpm pack` and installs the tarballs with npm into a project outside the
 * workspace, as a user would: only the tarballs and the npm registry, no workspace links.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { runChecked } from '@isar/testkit';
import { PUBLISHED, REPO_ROOT, tarballName } from './packages.js';

export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
}

/**
 * An environment for npm/node children: the workspace's `node_modules/.bin` and pnpm's `npm_*` variables
 * removed (so nothing resolves through the workspace), npm's cache kept, node-gyp pointed at Node's headers on
 * disk (offline).
 */
export function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE_OPTIONS' || key.startsWith('VITEST') || key === 'PNPM_HOME')
      continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.includes('node_modules'))
    .join(delimiter);
  env.npm_config_nodedir = '/usr';
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  // Fail within a minute instead of npm's default 5 minutes when a registry request stalls.
  env.npm_config_fetch_timeout = '60000';
  env.npm_config_fetch_retry_maxtimeout = '10000';
  return { ...env, ...extra };
}

/** `pnpm pack` of every published package into `dest` (workspace: and catalog: ranges become versions). */
export async function packAll(dest: string): Promise<PackedPackage[]> {
  await mkdir(dest, { recursive: true });
  const packed: PackedPackage[] = [];
  for (const pkg of PUBLISHED) {
    const dir = join(REPO_ROOT, pkg.dir);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
    await runChecked('pnpm', ['pack', '--pack-destination', dest], { cwd: dir });
    const tarball = join(dest, tarballName(pkg.name, manifest.version));
    await stat(tarball); // pnpm names it so; fail here rather than in npm if not
    packed.push({ name: pkg.name, version: manifest.version, tarball });
  }
  return packed;
}

/**
 * Where zstd-napi's compiled addon lives in the workspace (pnpm built it there on `pnpm install`).
 * The archive package depends on zstd-napi, so resolve it from there.
 */
export function workspaceZstdAddon(): string {
  const require = createRequire(join(REPO_ROOT, 'packages/archive/package.json'));
  return join(dirname(require.resolve('zstd-napi/package.json')), 'build/Release/binding.node');
}

export interface InstallOptions {
  /**
   * Let npm run zstd-napi's install script (a ~50-110 s native compile) instead of placing the workspace's
   * compiled addon (same version, Node-API, so ABI-stable) into the installed package.
   */
  buildAddon: boolean;
}

/** Creates `dir/package.json` depending on every tarball (plus @types/node for the type checks) and installs it. */
export async function installConsumer(
  dir: string,
  packed: readonly PackedPackage[],
  options: InstallOptions,
): Promise<{ seconds: number }> {
  await mkdir(dir, { recursive: true });
  const dependencies: Record<string, string> = {};
  for (const p of packed) dependencies[p.name] = `file:${p.tarball}`;
  const manifest = {
    name: 'isar-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies,
    devDependencies: { '@types/node': '^20.19.0' },
    // npm 11's per-project approval of install scripts (older npm ignores it).
    allowScripts: { 'zstd-napi': true },
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const started = performance.now();
  await runChecked(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...(options.buildAddon ? [] : ['--ignore-scripts']),
    ],
    { cwd: dir, env: consumerEnv() },
  );
  if (!options.buildAddon) {
    const target = join(dir, 'node_modules/zstd-napi/build/Release/binding.node');
    await mkdir(dirname(target), { recursive: true });
    await copyFile(workspaceZstdAddon(), target);
  }
  return { seconds: (performance.now() - started) / 1000 };
}
