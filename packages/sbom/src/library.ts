/**
 * The names this package uses of each CycloneDX library subpath (never its root, which also loads validators,
 * XML and builders). The build keeps only these of the library (tsup.config.ts); the types below let code
 * use nothing else.
 */
export const CYCLONEDX_NAMES = {
  Enums: ['ComponentType', 'ExternalReferenceType'],
  Models: [
    'Bom',
    'Component',
    'ExternalReference',
    'LicenseExpression',
    'NamedLicense',
    'Property',
    'SpdxLicense',
  ],
  Serialize: ['JsonSerializer', 'JSON'],
  SPDX: ['fixupSpdxId', 'isSupportedSpdxId'],
  Spec: ['Spec1dot6'],
} as const;

type Subpath = keyof typeof CYCLONEDX_NAMES;
type Used<Module, S extends Subpath> = Pick<Module, (typeof CYCLONEDX_NAMES)[S][number] & keyof Module>;

/** The parts of the CycloneDX library this package uses. */
interface CycloneDxLibrary {
  Enums: Used<typeof import('@cyclonedx/cyclonedx-library/Enums'), 'Enums'>;
  Models: Used<typeof import('@cyclonedx/cyclonedx-library/Models'), 'Models'>;
  Serialize: Used<typeof import('@cyclonedx/cyclonedx-library/Serialize'), 'Serialize'>;
  SPDX: Used<typeof import('@cyclonedx/cyclonedx-library/SPDX'), 'SPDX'>;
  Spec: Used<typeof import('@cyclonedx/cyclonedx-library/Spec'), 'Spec'>;
}

let loaded: CycloneDxLibrary | undefined;

/**
 * The CycloneDX library, loaded on first use. A fetch scans layers for seconds before it builds the document;
 * holding the library's code and SPDX tables in the heap meanwhile made each of the fetch's major GCs mark
 * it. The build bundles it into this package's dist, from its TypeScript sources, keeping only the names
 * above (tsup.config.ts): Node loading the library's 93 files one by one cost ~100 ms of CPU; loading this
 * package and its first document, with all of the library in one file ~38 ms, with the names used ~29 ms.
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
