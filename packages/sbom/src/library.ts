/** The parts of the CycloneDX library this package uses: its subpaths, not its root (see below). */
interface CycloneDxLibrary {
  Enums: typeof import('@cyclonedx/cyclonedx-library/Enums');
  Models: typeof import('@cyclonedx/cyclonedx-library/Models');
  Serialize: typeof import('@cyclonedx/cyclonedx-library/Serialize');
  SPDX: typeof import('@cyclonedx/cyclonedx-library/SPDX');
  Spec: typeof import('@cyclonedx/cyclonedx-library/Spec');
}

let loaded: CycloneDxLibrary | undefined;

/**
 * The CycloneDX library, loaded on first use. A fetch scans layers for seconds before it builds the document;
 * holding the library's code and SPDX tables in the heap meanwhile made each of the fetch's major GCs mark
 * it. Only the subpaths used are loaded (not the root, which also loads validators, XML and builders), and
 * the build bundles them into this package's dist (tsup.config.ts): Node loading the library's 93 files one
 * by one cost ~100 ms of CPU, one file ~25 ms, most of an SBOM's cost on a small image.
 * Static `require` calls (CommonJS, synchronous) so the bundler sees them; ESM output keeps them lazy.
 */
export function cycloneDxLibrary(): CycloneDxLibrary {
  loaded ??= {
    Enums: require('@cyclonedx/cyclonedx-library/Enums'),
    Models: require('@cyclonedx/cyclonedx-library/Models'),
    Serialize: require('@cyclonedx/cyclonedx-library/Serialize'),
    SPDX: require('@cyclonedx/cyclonedx-library/SPDX'),
    Spec: require('@cyclonedx/cyclonedx-library/Spec'),
  };
  return loaded;
}
