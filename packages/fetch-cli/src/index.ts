/** Placeholder entry of @isar/fetch-cli; filled by its issue. */
export const packageName = '@isar/fetch-cli';
