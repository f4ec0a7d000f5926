import { dep5ToSpdx } from './dep5-license.js';
import type { SbomLimits } from './limits.js';
import type { FileParser } from './parsed-file.js';
import { StanzaParser } from './stanza-parser.js';

/** The licenses a machine-readable `/usr/share/doc/<pkg>/copyright` declares. */
export interface CopyrightLicenses {
  /** The file starts with a DEP-5 `Format:` header; otherwise nothing else is known. */
  machineReadable: boolean;
  /** Distinct SPDX expressions, sorted. */
  spdx: string[];
  /** `License:` names that have no SPDX equivalent, as written, sorted. */
  unmapped: string[];
}

const formatUrl = /^https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/?$/;

/**
 * Reads the License fields of a DEP-5 file: the header's and those of `Files:` paragraphs (stand-alone
 * `License:` paragraphs only hold license texts for those). Only the first `maxCopyrightBytes` are read.
 */
export function copyrightParser(limits: SbomLimits): FileParser {
  const parser = new StanzaParser({
    fields: ['format', 'files', 'license'],
    caseInsensitive: true,
    maxBytes: limits.maxCopyrightBytes,
    maxRecords: 10_000,
    maxLineBytes: limits.maxLineBytes,
  });
  return {
    // Only a file whose first paragraph names the DEP-5 format is read on: the rest of any other (most of
    // Debian's are free text) would be license text and nothing else.
    push: (chunk) =>
      parser.push(chunk) &&
      (parser.paragraphs === 0 || formatUrl.test(parser.records[0]?.get('format') ?? '')),
    end: () => {
      parser.end();
      const [header, ...rest] = parser.records;
      const machineReadable = formatUrl.test(header?.get('format') ?? '');
      const names = new Set<string>();
      if (machineReadable && header) {
        for (const record of [header, ...rest.filter((r) => r.has('files'))]) {
          const name = record.get('license');
          if (name) names.add(name);
        }
      }
      // Mapped to SPDX when the SBOM is assembled (copyrightLicenses): the SPDX tables are not needed while
      // layers stream past.
      return { kind: 'copyright', machineReadable, names: [...names].sort() };
    },
  };
}

/** The licenses of a parsed copyright file, its DEP-5 names mapped to SPDX expressions where they can be. */
export function copyrightLicenses(parsed: {
  machineReadable: boolean;
  names: readonly string[];
}): CopyrightLicenses {
  const spdx = new Set<string>();
  const unmapped = new Set<string>();
  for (const name of parsed.names) {
    const expression = dep5ToSpdx(name);
    if (expression) spdx.add(expression);
    else unmapped.add(name);
  }
  return { machineReadable: parsed.machineReadable, spdx: [...spdx].sort(), unmapped: [...unmapped].sort() };
}
