import type { ApkPackage } from './apk-installed.js';
import type { DpkgPackage } from './dpkg-status.js';

/** What is kept of one file of interest: its parsed content, never its bytes. */
export type ParsedFile =
  | { kind: 'dpkg'; packages: DpkgPackage[]; problems: string[] }
  | { kind: 'apk'; packages: ApkPackage[]; problems: string[] }
  /** A copyright file's DEP-5 `License:` names, as written (see `copyrightLicenses`). */
  | { kind: 'copyright'; machineReadable: boolean; names: string[] }
  | { kind: 'os-release'; fields: Record<string, string> };

/** A parser fed a file's bytes as they stream past. `push` returns false when it wants no more. */
export interface FileParser {
  push(chunk: Buffer): boolean;
  end(): ParsedFile;
}

/** Human-readable problems of a database parse, for the SBOM's warnings. */
export function describeProblems(
  stats: { malformedLines: number; truncated: boolean; droppedRecords: number; bytes: number },
  malformedRecords: number,
): string[] {
  const problems: string[] = [];
  if (stats.truncated)
    problems.push(`read only the first ${stats.bytes} bytes (size cap); later packages are missing`);
  if (stats.droppedRecords > 0)
    problems.push(`${stats.droppedRecords} records over the record cap were dropped`);
  if (stats.malformedLines > 0) problems.push(`${stats.malformedLines} malformed lines skipped`);
  if (malformedRecords > 0) problems.push(`${malformedRecords} records without a name or version skipped`);
  return problems;
}
