/** Placeholder entry of @isar/fetch-core; filled by its issue. */
export const packageName = '@isar/fetch-core';
