/** Placeholder entry of @isar/archive; filled by its issue. */
export const packageName = '@isar/archive';
