/**
 * Bounds on what is kept of an image's files. Package databases are parsed as they stream past and only a few
 * fields of each record are kept, so memory follows these numbers, not the size of the files.
 */
export interface SbomLimits {
  /** Bytes of one package database (dpkg status, a status.d file, apk installed) parsed; the rest is skipped. */
  maxDatabaseBytes: number;
  /** Records kept from one package database. */
  maxRecordsPerDatabase: number;
  /** Bytes of one line; longer lines are skipped (and counted as malformed). */
  maxLineBytes: number;
  /** Bytes of a copyright file read for its License fields. */
  maxCopyrightBytes: number;
  /** Bytes of os-release read. */
  maxOsReleaseBytes: number;
}

/** The limits used when none are given: see each field of {@link SbomLimits}. */
export const defaultSbomLimits: Readonly<SbomLimits> = Object.freeze({
  // Debian's largest real status files (desktop installs) are around 10 MB.
  maxDatabaseBytes: 32 * 1024 * 1024,
  maxRecordsPerDatabase: 100_000,
  maxLineBytes: 64 * 1024,
  maxCopyrightBytes: 1024 * 1024,
  maxOsReleaseBytes: 64 * 1024,
});
