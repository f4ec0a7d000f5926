import packageJson from '../../package.json' with { type: 'json' };

/** The app's version; bundled into the single-file build, so it needs no package.json at run time. */
export const VERSION: string = packageJson.version;
