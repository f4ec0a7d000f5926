import { createRequire } from 'node:module';

type CycloneDxLibrary = typeof import('@cyclonedx/cyclonedx-library');

let loaded: CycloneDxLibrary | undefined;

/**
 * The CycloneDX library, loaded on first use (it is CommonJS, so a synchronous require works from ESM too).
 * A fetch scans layers for seconds before it builds the document; holding the library's ~10 MB of code and
 * SPDX tables in the heap meanwhile made each of the fetch's ~35 major GCs mark it: 0.5-1 CPU-s of GC
 * measured on the bench, most of the SBOM's cost.
 */
export function cycloneDxLibrary(): CycloneDxLibrary {
  // Not the bare `require`: an ES module bundle replaces it with a stub that throws. In this package's
  // CommonJS build import.meta.url is empty and __filename is the file.
  loaded ??= createRequire(import.meta.url || __filename)('@cyclonedx/cyclonedx-library') as CycloneDxLibrary;
  return loaded;
}
