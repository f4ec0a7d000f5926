import type { SbomLimits } from './limits.js';
import { describeProblems, type FileParser } from './parsed-file.js';
import { StanzaParser } from './stanza-parser.js';

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
  const parser = new StanzaParser({
    fields: ['P', 'V', 'A', 'o', 'L'],
    caseInsensitive: false,
    maxBytes: limits.maxDatabaseBytes,
    maxRecords: limits.maxRecordsPerDatabase,
    maxLineBytes: limits.maxLineBytes,
  });
  return {
    push: (chunk) => parser.push(chunk),
    end: () => {
      parser.end();
      const packages: ApkPackage[] = [];
      let malformed = 0;
      for (const record of parser.records) {
        const name = record.get('P');
        const version = record.get('V');
        if (!name || !version || /\s/.test(name)) {
          malformed++;
          continue;
        }
        const pkg: ApkPackage = { name, version };
        const architecture = record.get('A');
        if (architecture) pkg.architecture = architecture;
        const origin = record.get('o');
        if (origin) pkg.origin = origin;
        const license = record.get('L');
        if (license) pkg.license = license;
        packages.push(pkg);
      }
      return { kind: 'apk', packages, problems: describeProblems(parser.stats, malformed) };
    },
  };
}
