/** Placeholder entry of container-loader; filled by its issue. */
export const packageName = 'container-loader';
