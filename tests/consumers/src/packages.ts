import { fileURLToPath } from 'node:url';

/** The checkout these tests pack from (tests/consumers/src -> repo root). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A package we publish, as the consumer tests see it. */
export interface PublishedPackage {
  /** npm name. */
  readonly name: string;
  /** Directory relative to the repo root. */
  readonly dir: string;
  /** Libraries ship ESM + CommonJS + types; apps ship ESM and a bin. */
  readonly kind: 'library' | 'app';
  /** The README example, a file under tests/consumers/examples/ run against the kit's registry. */
  readonly example?: string;
  /** Command names the package installs. */
  readonly bins?: readonly string[];
}

/** Dependency order: a package's @isar dependencies come before it. */
export const PUBLISHED: readonly PublishedPackage[] = [
  { name: '@isar/oci-spec', dir: 'packages/oci-spec', kind: 'library', example: 'oci-spec.mjs' },
  { name: '@isar/oci-registry', dir: 'packages/oci-registry', kind: 'library', example: 'oci-registry.mjs' },
  { name: '@isar/archive', dir: 'packages/archive', kind: 'library', example: 'archive.mjs' },
  { name: '@isar/sbom', dir: 'packages/sbom', kind: 'library', example: 'sbom.mjs' },
  { name: '@isar/fetch-core', dir: 'packages/fetch-core', kind: 'library', example: 'fetch-core.mjs' },
  { name: '@isar/fetch-cli', dir: 'packages/fetch-cli', kind: 'library', example: 'fetch-cli.mjs' },
  { name: 'isar-fetch', dir: 'apps/isar-fetch', kind: 'app', bins: ['isar-fetch'] },
  { name: 'container-loader', dir: 'apps/container-loader', kind: 'app', bins: ['container-loader'] },
];

export const LIBRARIES = PUBLISHED.filter((p) => p.kind === 'library');
export const APPS = PUBLISHED.filter((p) => p.kind === 'app');

/** The file name `pnpm pack` gives a package: `@isar/oci-spec@0.1.0` -> `isar-oci-spec-0.1.0.tgz`. */
export function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}
