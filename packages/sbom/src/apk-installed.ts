import type { SbomLimits } from './limits.js';
import { packageDatabaseParser } from './package-database.js';
import type { FileParser } from './parsed-file.js';

/** One package of Alpine's `/lib/apk/db/installed`. */
export interface ApkPackage {
  name: string;
  version: string;
  architecture?: string;
  /** `o:` the origin (source) package. */
  origin?: string;
  /** `L:` the license as apk records it (usually an SPDX expression). */
  license?: string;
}

/** Parses apk's installed database (`P:name`, `V:version`... records) as it streams. */
export function apkInstalledParser(limits: SbomLimits): FileParser {
  return packageDatabaseParser<ApkPackage>(limits, {
    kind: 'apk',
    fields: ['P', 'V', 'A', 'o', 'L'],
    caseInsensitive: false,
    nameField: 'P',
    versionField: 'V',
    toPackage: (record, name, version) => {
      const pkg: ApkPackage = { name, version };
      const architecture = record.get('A');
      if (architecture) pkg.architecture = architecture;
      const origin = record.get('o');
      if (origin) pkg.origin = origin;
      const license = record.get('L');
      if (license) pkg.license = license;
      return pkg;
    },
  });
}
