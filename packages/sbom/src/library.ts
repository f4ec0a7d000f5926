import { createRequire } from 'node:module';

/** The parts of the CycloneDX library this package uses: its subpaths, not its root (see below). */
interface CycloneDxLibrary {
  Contrib: typeof import('@cyclonedx/cyclonedx-library/Contrib');
  Enums: typeof import('@cyclonedx/cyclonedx-library/Enums');
  Models: typeof import('@cyclonedx/cyclonedx-library/Models');
  Serialize: typeof import('@cyclonedx/cyclonedx-library/Serialize');
  SPDX: typeof import('@cyclonedx/cyclonedx-library/SPDX');
  Spec: typeof import('@cyclonedx/cyclonedx-library/Spec');
}

let loaded: CycloneDxLibrary | undefined;

/**
 * The CycloneDX library, loaded on first use (it is CommonJS, so a synchronous require works from ESM too).
 * A fetch scans layers for seconds before it builds the document; holding the library's ~10 MB of code and
 * SPDX tables in the heap meanwhile made each of the fetch's ~35 major GCs mark it: 0.5-1 CPU-s of GC
 * measured on the bench, most of the SBOM's cost. Only the subpaths used are loaded: ~70 ms of CPU instead of
 * ~120 for the root, which also loads validators, XML and builders.
 */
export function cycloneDxLibrary(): CycloneDxLibrary {
  if (loaded) return loaded;
  // Not the bare `require`: an ES module bundle replaces it with a stub that throws. In this package's
  // CommonJS build import.meta.url is empty and __filename is the file.
  const load = createRequire(import.meta.url || __filename);
  const part = <T>(name: string) => load(`@cyclonedx/cyclonedx-library/${name}`) as T;
  loaded = {
    Contrib: part('Contrib'),
    Enums: part('Enums'),
    Models: part('Models'),
    Serialize: part('Serialize'),
    SPDX: part('SPDX'),
    Spec: part('Spec'),
  };
  return loaded;
}
