/** Placeholder entry of @isar/oci-registry; filled by its issue. */
export const packageName = '@isar/oci-registry';
