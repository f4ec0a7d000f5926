/**
 * The lock of an archive in DL_DIR. Never `<archive>.lock`: that is bitbake's own lock file (`ud.lockfile`,
 * flock'ed around every download, unpack and clean), held by the bitbake task that runs us.
 */
export function archiveLockPath(archivePath: string): string {
  return `${archivePath}.isar-fetch.lock`;
}

/** The lock of a blob being downloaded into the blob cache (a directory bitbake never locks). */
export function blobLockPath(blobPath: string): string {
  return `${blobPath}.lock`;
}
