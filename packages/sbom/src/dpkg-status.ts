import type { SbomLimits } from './limits.js';
import { packageDatabaseParser } from './package-database.js';
import type { FileParser } from './parsed-file.js';

/** One package of a dpkg database (`/var/lib/dpkg/status` or a distroless `status.d/` file). */
export interface DpkgPackage {
  name: string;
  version: string;
  architecture?: string;
  /** Source package name, when it differs from the binary's (`Source:` field). */
  sourceName?: string;
  /** Source version, when the `Source:` field gives one (binNMUs). */
  sourceVersion?: string;
  /** The third word of `Status:` (`installed`, `half-configured`...); absent in status.d files. */
  state?: string;
}

/** States whose files are not on disk: such records are history, not content. */
const absentStates = new Set(['not-installed', 'config-files']);

/** Parses dpkg's status format as it streams; records of removed packages are left out. */
export function dpkgStatusParser(limits: SbomLimits): FileParser {
  return packageDatabaseParser<DpkgPackage>(limits, {
    kind: 'dpkg',
    fields: ['package', 'version', 'architecture', 'source', 'status'],
    caseInsensitive: true,
    nameField: 'package',
    versionField: 'version',
    toPackage: (record, name, version) => {
      const state = record.get('status')?.split(/\s+/)[2];
      if (state && absentStates.has(state)) return undefined;
      const pkg: DpkgPackage = { name, version };
      const architecture = record.get('architecture');
      if (architecture) pkg.architecture = architecture;
      if (state) pkg.state = state;
      const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(record.get('source') ?? '');
      if (source?.[1]) {
        pkg.sourceName = source[1];
        if (source[2]) pkg.sourceVersion = source[2];
      }
      return pkg;
    },
  });
}
