/** Placeholder entry of @isar/testkit; filled by its issue. */
export const packageName = '@isar/testkit';
