/** Placeholder entry of isar-fetch; filled by its issue. */
export const packageName = 'isar-fetch';
