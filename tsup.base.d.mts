import type { Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/** Bundles a package's own package.json with only `name`, `version` and `description`. */
export declare const ownPackageJsonFields: EsbuildPlugin;
/** Writes `THIRD-PARTY-NOTICES.md` (name, version, licence text) for the npm packages a bundle holds. */
export declare const bundledPackageNotices: EsbuildPlugin;
/** Node 20 target, source maps, {@link ownPackageJsonFields}, {@link bundledPackageNotices}. */
export declare const nodeBuild: Options;
/** `src/index.ts` as ESM + CommonJS with `.d.ts`/`.d.cts`. */
export declare function libraryBuild(overrides?: Options): Options;
/** `src/index.ts` (ESM + types) and `src/main.ts` (the bin), ESM only. */
export declare function appBuild(overrides?: Options): Options;
