import type { SbomLimits } from './limits.js';
import { describeProblems, type FileParser, type ParsedFile } from './parsed-file.js';
import { type Stanza, StanzaParser } from './stanza-parser.js';

/** How one package database format is read: which fields, how its records become packages. */
export interface PackageDatabaseFormat<P> {
  kind: 'dpkg' | 'apk';
  /** Fields kept of each record, the name and version fields among them. */
  fields: readonly string[];
  caseInsensitive: boolean;
  nameField: string;
  versionField: string;
  /** The package of a record with a valid name and version, or undefined to leave the record out. */
  toPackage(record: Stanza, name: string, version: string): P | undefined;
}

/**
 * A package database parsed as it streams, within the limits: records without a name or version (or with
 * whitespace in the name) are counted as malformed, the rest go through the format's `toPackage`.
 */
export function packageDatabaseParser<P>(limits: SbomLimits, format: PackageDatabaseFormat<P>): FileParser {
  return new PackageDatabaseParser(limits, format);
}

/** A class: file parsers share their methods (see dep5-copyright.ts). */
class PackageDatabaseParser<P> implements FileParser {
  readonly #format: PackageDatabaseFormat<P>;
  readonly #parser: StanzaParser;

  constructor(limits: SbomLimits, format: PackageDatabaseFormat<P>) {
    this.#format = format;
    this.#parser = new StanzaParser({
      fields: format.fields,
      caseInsensitive: format.caseInsensitive,
      maxBytes: limits.maxDatabaseBytes,
      maxRecords: limits.maxRecordsPerDatabase,
      maxLineBytes: limits.maxLineBytes,
    });
  }

  push(chunk: Buffer): boolean {
    return this.#parser.push(chunk);
  }

  end(): ParsedFile {
    const parser = this.#parser;
    const format = this.#format;
    parser.end();
    const packages: P[] = [];
    let malformed = 0;
    for (const record of parser.records) {
      const name = record.get(format.nameField);
      const version = record.get(format.versionField);
      if (!name || !version || /\s/.test(name)) {
        malformed++;
        continue;
      }
      const pkg = format.toPackage(record, name, version);
      if (pkg) packages.push(pkg);
    }
    return { kind: format.kind, packages, problems: describeProblems(parser.stats, malformed) } as ParsedFile;
  }
}
