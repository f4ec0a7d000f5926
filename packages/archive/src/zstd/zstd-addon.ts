/**
 * Lazy access to the zstd-napi native addon. The device loader (issue 7) must run from a single bundled
 * JavaScript file without native addons, so nothing here imports zstd-napi statically: the addon is loaded
 * on first use through a dynamic import whose specifier a bundler cannot follow, and a failure to load
 * simply means "use the `zstd` command instead".
 */

/** The parts of zstd-napi's low-level binding (`zstd-napi/binding.js`) this package uses. */
export interface ZstdBinding {
  CCtx: new () => {
    setParameter(parameter: number, value: number): void;
    compressStream2(dst: Uint8Array, src: Uint8Array, endOp: number): [number, number, number];
  };
  DCtx: new () => {
    setParameter(parameter: number, value: number): void;
    decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
  };
  CParameter: Record<'compressionLevel' | 'checksumFlag' | 'nbWorkers' | 'jobSize', number>;
  DParameter: Record<'windowLogMax', number>;
  EndDirective: Record<'continue' | 'flush' | 'end', number>;
  cStreamOutSize(): number;
  dStreamOutSize(): number;
  versionString(): string;
}

/** Set to `1` to pretend the addon is missing (tests of the fallback, or devices with a broken build). */
export const disableAddonVariable = 'ISAR_ZSTD_NO_ADDON';

let loading: Promise<ZstdBinding | undefined> | undefined;
let loadError: unknown;

/** The zstd-napi binding, or `undefined` when it cannot load here (then {@link addonLoadError} says why). */
export function loadZstdAddon(): Promise<ZstdBinding | undefined> {
  if (process.env[disableAddonVariable] === '1') return Promise.resolve(undefined);
  loading ??= importBinding();
  return loading;
}

export function addonLoadError(): unknown {
  return loadError;
}

async function importBinding(): Promise<ZstdBinding | undefined> {
  // A non-literal specifier keeps bundlers (esbuild, tsup) from inlining or requiring the addon.
  const specifier = ['zstd-napi', 'binding.js'].join('/');
  try {
    const module = (await import(specifier)) as { default?: ZstdBinding } & Partial<ZstdBinding>;
    const binding = (module.default ?? module) as ZstdBinding;
    if (typeof binding.CCtx !== 'function' || typeof binding.DCtx !== 'function') {
      throw new Error('zstd-napi binding lacks CCtx/DCtx');
    }
    return binding;
  } catch (error) {
    loadError = error;
    return undefined;
  }
}
