import packageJson from '../package.json' with { type: 'json' };

/** This package's version, from its package.json (inlined by the build). */
export const VERSION: string = packageJson.version;
